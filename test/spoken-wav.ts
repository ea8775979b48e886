/**
 * Real speech for the browser test: a sentence spoken by espeak-ng, padded with silence on both
 * sides, written as a 16-bit PCM WAV (what Chromium's fake microphone plays, looping). Also says
 * where in the file the speech is, measured from the samples.
 */
import { writeFileSync } from "node:fs";
import { encodeWav, padWithSilence, speak } from "./wav";

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
  const { sampleRate, samples } = padWithSilence(speak(text), padSeconds, padSeconds);
  writeFileSync(path, encodeWav({ sampleRate, samples }));
  const first = samples.findIndex((s) => Math.abs(s) >= LOUD);
  const last = samples.findLastIndex((s) => Math.abs(s) >= LOUD);
  if (first < 0) throw new Error(`espeak-ng produced silence for "${text}"`);
  return {
    path,
    duration: samples.length / sampleRate,
    speech: { start: first / sampleRate, end: (last + 1) / sampleRate },
  };
}
