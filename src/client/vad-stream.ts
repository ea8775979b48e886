/**
 * Voice activity on a stream of audio: chunks of PCM at any sample rate in; per-frame speech
 * probabilities and speech segments out. Audio is resampled to 16 kHz (resample.ts), cut into
 * Silero v5's 512-sample frames, and each frame is sent to the `vad` function with the (sealed)
 * state its predecessor returned; segments follow vad-web's hysteresis (speech-segments.ts).
 */
import { concatSamples, Resampler } from "./resample";
import { type SpeechOptions, type SpeechSegment, SpeechSegmenter } from "./speech-segments";
import type { CallOptions } from "./transport";

const MODEL_RATE = 16_000;
const FRAME_SAMPLES = 512;
const FRAME_MS = (FRAME_SAMPLES / MODEL_RATE) * 1000;

export interface VadStreamOptions extends Partial<SpeechOptions> {
  /** The sample rate of the chunks pushed, in Hz (e.g. an AudioContext's `sampleRate`). */
  sampleRate: number;
  /** Aborts the stream's calls, and fails the pushes still waiting. */
  signal?: AbortSignal;
}

export interface VadFrame {
  /** Seconds from the start of the stream to the start of the frame. */
  time: number;
  probability: number;
}

/** What one push (or the end) brought: the frames it completed and the segments they closed. */
export interface VadUpdate {
  frames: VadFrame[];
  segments: SpeechSegment[];
  /**
   * Where the segment open after these frames started (seconds), or undefined when none is: a
   * page can show speech as it is heard, before its segment closes.
   */
  speakingSince: number | undefined;
}

export interface VadStream {
  /**
   * Mono samples in [-1, 1] at `sampleRate`, any number at a time (the chunk is copied at once,
   * so its buffer may be reused). Pushes are processed in order; if a call fails, its push and
   * every later one reject with that error (the model's state chain is broken). A state the
   * server no longer opens (400 `invalid_state`: expired after a pause) is not a failure: that
   * frame is sent again without it.
   */
  push(chunk: Float32Array): Promise<VadUpdate>;
  /** No more audio: the last frames (a last partial frame is dropped) and any open segment, closed. */
  end(): Promise<VadUpdate>;
}

/** One call of the `vad` function; `state` is the sealed token the previous call returned, passed back as it is. */
export type VadCall = (
  input: { audio: number[]; state?: string },
  call: CallOptions,
) => Promise<{ speechProbability: number; state: string }>;

export function createVadStream(callVad: VadCall, options: VadStreamOptions): VadStream {
  const { sampleRate, signal, ...speechOptions } = options;
  const resampler = new Resampler(sampleRate, MODEL_RATE);
  const segmenter = new SpeechSegmenter(FRAME_MS, speechOptions);
  let pending: Float32Array = new Float32Array(0);
  let state: string | undefined;
  let frameIndex = 0;
  let ended = false;
  let queue: Promise<unknown> = Promise.resolve();

  const process = async (samples: Float32Array, last: boolean): Promise<VadUpdate> => {
    pending = concatSamples(pending, samples);
    const update: VadUpdate = { frames: [], segments: [], speakingSince: undefined };
    while (pending.length >= FRAME_SAMPLES) {
      // The model takes [-1, 1]; resampling can overshoot a full-scale input slightly.
      const audio = Array.from(pending.subarray(0, FRAME_SAMPLES), (x) => Math.max(-1, Math.min(1, x)));
      const answer = await callVad({ audio, state }, { signal }).catch((error: unknown) => {
        // A sealed state that no longer opens (it expired while the stream paused, or the server's
        // key changed): the model starts over from this frame, as a new stream would.
        if (state === undefined || (error as { code?: unknown }).code !== "invalid_state") throw error;
        return callVad({ audio }, { signal });
      });
      state = answer.state;
      pending = pending.subarray(FRAME_SAMPLES);
      update.frames.push({ time: (frameIndex++ * FRAME_MS) / 1000, probability: answer.speechProbability });
      const closed = segmenter.push(answer.speechProbability);
      if (closed) update.segments.push(closed);
    }
    const closed = last ? segmenter.end() : undefined;
    if (closed) update.segments.push(closed);
    update.speakingSince = segmenter.openSince;
    return update;
  };
  // Chained, so frames go out in order, each with its predecessor's state; a rejected link
  // rejects every later one.
  const enqueue = (resample: () => Float32Array, last: boolean) => {
    if (ended) return Promise.reject(new Error("the VAD stream has ended"));
    ended = last;
    const samples = resample();
    const result = queue.then(() => process(samples, last));
    queue = result;
    return result;
  };
  return {
    push: (chunk) => enqueue(() => resampler.push(chunk), false),
    end: () => enqueue(() => resampler.flush(), true),
  };
}
