/**
 * Voice activity detection with Silero VAD v5: one 32 ms frame (512 samples of 16 kHz mono audio in
 * [-1, 1]) and the recurrent state from the previous frame in; the speech probability and the next
 * state out. Callers carry `state` from one response to the next request of the same stream: a
 * sealed token (src/release/sealed-state.ts), not the model's 256 floats, which only OIP callers
 * holding `infer:raw` receive.
 */
import { z } from "zod";
import manifest from "../models/silero-vad.json";
import { coarse, defineFunction } from "../src/functions/define";
import { parseManifest } from "../src/models/manifest";
import { numbers } from "../src/request/schema";

const FRAME = 512;
const STATE = 2 * 1 * 128;

const input = z.object({
  audio: numbers({ length: FRAME, min: -1, max: 1, description: "512 samples of 16 kHz mono audio in [-1, 1]" }),
  state: z
    .string()
    .max(4096)
    .describe("the `state` returned for the stream's previous frame, as it was; omit for a stream's first frame")
    .optional(),
  threshold: z.number().min(0).max(1).default(0.5).describe("probability at or above which `speech` is true"),
});

const output = z.object({
  speechProbability: z
    .number()
    .min(0)
    .max(1)
    .describe("probability that the frame holds speech, as the release policy gives it (default: 3 decimals)"),
  speech: z.boolean().describe("whether `speechProbability` reached `threshold`"),
  state: z
    .string()
    .describe("the recurrent state, sealed: send it with the stream's next frame, within 60 s, as it is"),
});

export default defineFunction({
  name: "vad",
  description: "Speech probability of a 32 ms frame of 16 kHz audio (Silero VAD v5)",
  // The preprocessing below, as the model's manifest names it (change both when it changes).
  preprocessing: "vad-frames-16k/1",
  model: parseManifest(manifest),
  input,
  output,
  // A live stream sends 1,875 frames a minute (one per 32 ms); this leaves it room, and the stream
  // keeps flowing if the limiter cannot be reached (it fails open).
  rateLimit: { limit: 2400, window: "1 m", onBackendFailure: "open" },
  maxBodyBytes: 64 * 1024,
  // A stream's segments come from hysteresis around 0.5 (vad-web's defaults: 0.5 and 0.35), which
  // three decimals serve, as does a drawn probability; ART's Rounded defaults to three as well.
  release: { default: { name: "rounded", decimals: 3 }, scores: ["output"] },
  // Frames of one stream are neither independent nor like each other by chance, so distances
  // between them say nothing: the boundary share alone watches vad. Like its limit, it fails open.
  probing: { signals: { duplicates: false, prada: false }, onMonitorFailure: "open" },
  preprocess: async ({ audio, state }, context) => [
    { name: "input", datatype: "FP32", shape: [1, FRAME], data: audio },
    {
      name: "state",
      datatype: "FP32",
      shape: [2, 1, 128],
      data: state ? await context.state.open(state, STATE) : new Float32Array(STATE),
    },
    { name: "sr", datatype: "INT64", shape: [], data: [16000] },
  ],
  postprocess: async (outputs, { threshold }, context) => {
    // Released: `speech` is decided on what the caller sees, so no threshold reveals more of it.
    const speechProbability = (outputs.output.data as ArrayLike<number>)[0];
    return {
      speechProbability,
      speech: speechProbability >= threshold,
      state: await context.state.seal(outputs.stateN.data as Float32Array),
    };
  },
  personalData: {
    purpose: "Finding the speech in audio the caller's app records, so that only speech is sent on.",
    dataSubjects: ["the caller", "anyone speaking within reach of the caller's microphone"],
    categories: ["voice audio, in 32 ms frames (16 kHz)", "the speech probability per frame"],
    specialCategories: [
      "health data may be audible (a cough, a hoarse voice); voice is biometric data only if processed to identify someone, which this function does not do",
    ],
  },
  auditSummary: ({ speechProbability, speech }) => ({ speech, speechProbability: coarse(speechProbability) }),
});
