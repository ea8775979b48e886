/**
 * Real speech for the browser test: a sentence spoken by espeak-ng, padded with silence on both
 * sides, written as a 16-bit PCM WAV (what Chromium's fake microphone plays, looping). Also says
 * where in the file the speech is, measured from the samples.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";

export interface SpokenWav {
  path: string;
  /** Seconds, the whole file: one loop of the fake microphone. */
  duration: number;
  /** Seconds from the start of the file to the first and last loud sample. */
  speech: { start: number; end: number };
}

/** A sample this loud (of full scale) or louder is speech, not espeak's near-silence. */
const LOUD = 0.02;

export function speakToWav(text: string, path: string, padSeconds = 1): SpokenWav {
  // --stdout writes a streaming header (sizes 0x7ffff000): read the data chunk to the end.
  const wav = execFileSync("espeak-ng", ["--stdout", text], { maxBuffer: 64 << 20 });
  const { sampleRate, samples } = readMono16(wav);
  const pad = new Int16Array(Math.round(padSeconds * sampleRate));
  const padded = new Int16Array(pad.length * 2 + samples.length);
  padded.set(samples, pad.length);
  writeFileSync(path, wavFile(padded, sampleRate));
  const loud = (s: number) => Math.abs(s) >= LOUD * 32768;
  const first = padded.findIndex(loud);
  const last = padded.findLastIndex(loud);
  if (first < 0) throw new Error(`espeak-ng produced silence for "${text}"`);
  return {
    path,
    duration: padded.length / sampleRate,
    speech: { start: first / sampleRate, end: (last + 1) / sampleRate },
  };
}

function readMono16(wav: Buffer): { sampleRate: number; samples: Int16Array } {
  if (wav.toString("latin1", 0, 4) !== "RIFF" || wav.toString("latin1", 8, 12) !== "WAVE")
    throw new Error("espeak-ng did not write a WAV");
  let sampleRate = 0;
  for (let at = 12; at + 8 <= wav.length; ) {
    const id = wav.toString("latin1", at, at + 4);
    const size = wav.readUInt32LE(at + 4);
    if (id === "fmt ") {
      const [format, channels, bits] = [wav.readUInt16LE(at + 8), wav.readUInt16LE(at + 10), wav.readUInt16LE(at + 22)];
      if (format !== 1 || channels !== 1 || bits !== 16) throw new Error("espeak-ng's WAV is not 16-bit mono PCM");
      sampleRate = wav.readUInt32LE(at + 12);
    } else if (id === "data") {
      const data = wav.subarray(at + 8, Math.min(wav.length, at + 8 + size));
      const samples = new Int16Array(data.length >> 1);
      for (let i = 0; i < samples.length; i++) samples[i] = data.readInt16LE(i * 2);
      return { sampleRate, samples };
    }
    at += 8 + size + (size & 1);
  }
  throw new Error("espeak-ng's WAV has no data");
}

function wavFile(samples: Int16Array, sampleRate: number): Buffer {
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "latin1");
  header.writeUInt32LE(36 + samples.length * 2, 4);
  header.write("WAVEfmt ", 8, "latin1");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36, "latin1");
  header.writeUInt32LE(samples.length * 2, 40);
  const data = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) data.writeInt16LE(samples[i], i * 2);
  return Buffer.concat([header, data]);
}
