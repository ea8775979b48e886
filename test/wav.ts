/**
 * WAV audio for tests: decoding (PCM 8/16/24/32-bit and 32-bit float, channels averaged to mono),
 * encoding (16-bit PCM, e.g. for a browser's fake microphone), and speech made with espeak-ng
 * (22,050 Hz mono), so no recording is committed.
 */
import { execFileSync } from "node:child_process";

export interface Audio {
  sampleRate: number;
  /** Mono samples in [-1, 1]. */
  samples: Float32Array;
}

export function decodeWav(bytes: Uint8Array): Audio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (offset: number) => String.fromCharCode(...bytes.subarray(offset, offset + 4));
  if (tag(0) !== "RIFF" || tag(8) !== "WAVE") throw new Error("not a RIFF WAVE file");
  let format: { type: number; channels: number; sampleRate: number; bits: number } | undefined;
  for (let offset = 12; offset + 8 <= bytes.byteLength; ) {
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (tag(offset) === "fmt ") {
      const type = view.getUint16(body, true);
      format = {
        // WAVE_FORMAT_EXTENSIBLE names the real format in the first two bytes of its SubFormat GUID.
        type: type === 0xfffe ? view.getUint16(body + 24, true) : type,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (tag(offset) === "data") {
      if (!format) throw new Error("WAV data before its fmt chunk");
      // A streamed WAV (espeak-ng --stdout) states a huge size: the data runs to the end of the file.
      const end = Math.min(body + size, bytes.byteLength);
      return { sampleRate: format.sampleRate, samples: decodeSamples(view, body, end, format) };
    }
    offset = body + size + (size % 2);
  }
  throw new Error("WAV without a data chunk");
}

function decodeSamples(
  view: DataView,
  start: number,
  end: number,
  { type, channels, bits }: { type: number; channels: number; bits: number },
): Float32Array {
  const width = bits / 8;
  const read = sampleReader(view, type, bits);
  const frames = Math.floor((end - start) / (width * channels));
  const samples = new Float32Array(frames);
  for (let frame = 0; frame < frames; frame++) {
    let sum = 0;
    for (let channel = 0; channel < channels; channel++) sum += read(start + (frame * channels + channel) * width);
    samples[frame] = sum / channels;
  }
  return samples;
}

/** Format 1 is integer PCM, 3 IEEE float. */
function sampleReader(view: DataView, type: number, bits: number): (offset: number) => number {
  if (type === 3 && bits === 32) return (o) => view.getFloat32(o, true);
  if (type === 3 && bits === 64) return (o) => view.getFloat64(o, true);
  if (type !== 1) throw new Error(`unsupported WAV format ${type}`);
  if (bits === 8) return (o) => (view.getUint8(o) - 128) / 128;
  if (bits === 16) return (o) => view.getInt16(o, true) / 0x8000;
  if (bits === 24)
    return (o) => (view.getUint8(o) | (view.getUint8(o + 1) << 8) | (view.getInt8(o + 2) << 16)) / 0x800000;
  if (bits === 32) return (o) => view.getInt32(o, true) / 0x80000000;
  throw new Error(`unsupported WAV sample format ${type} with ${bits} bits`);
}

/** 16-bit PCM mono WAV. */
export function encodeWav({ sampleRate, samples }: Audio): Uint8Array {
  const bytes = new Uint8Array(44 + samples.length * 2);
  const view = new DataView(bytes.buffer);
  const text = (offset: number, value: string) => bytes.set(new TextEncoder().encode(value), offset);
  text(0, "RIFF");
  view.setUint32(4, 36 + samples.length * 2, true);
  text(8, "WAVEfmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  text(36, "data");
  view.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++) {
    view.setInt16(44 + i * 2, Math.round(Math.max(-1, Math.min(1, samples[i])) * 0x7fff), true);
  }
  return bytes;
}

/** `text` spoken by espeak-ng (a system tool `npm test` installs): 22,050 Hz mono. */
export function speak(text: string): Audio {
  return decodeWav(execFileSync("espeak-ng", ["--stdout", text]));
}

/** `seconds` of silence before and after `audio`. */
export function padWithSilence(audio: Audio, before: number, after: number): Audio {
  const lead = Math.round(before * audio.sampleRate);
  const samples = new Float32Array(lead + audio.samples.length + Math.round(after * audio.sampleRate));
  samples.set(audio.samples, lead);
  return { sampleRate: audio.sampleRate, samples };
}
