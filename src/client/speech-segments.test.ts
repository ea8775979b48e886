import { fc, test } from "@fast-check/vitest";
import {
  defaultFrameProcessorOptions,
  FrameProcessor,
  type FrameProcessorEvent,
} from "@ricky0123/vad-web/dist/frame-processor.js";
import { Message } from "@ricky0123/vad-web/dist/messages.js";
import { describe, expect, it } from "vitest";
import { type SpeechOptions, type SpeechSegment, SpeechSegmenter } from "./speech-segments";

const FRAME_MS = 32;
const seconds = (frames: number) => (frames * FRAME_MS) / 1000;
const repeat = (probability: number, frames: number) => new Array<number>(frames).fill(probability);

function segmentsOf(probabilities: number[], options?: Partial<SpeechOptions>): SpeechSegment[] {
  const segmenter = new SpeechSegmenter(FRAME_MS, options);
  const segments = probabilities.map((p) => segmenter.push(p));
  return [...segments, segmenter.end()].filter((s) => s !== undefined);
}

/**
 * The same probabilities through vad-web's own FrameProcessor, with segment times taken as its
 * NonRealTimeVAD.run takes them (start at SpeechStart's frame, end after SpeechEnd's frame, or at
 * the end of the audio).
 */
async function vadWebSegments(probabilities: number[], options: Partial<SpeechOptions> = {}) {
  let next = 0;
  const processor = new FrameProcessor(
    async () => ({ isSpeech: probabilities[next], notSpeech: 1 - probabilities[next] }),
    () => {},
    { ...defaultFrameProcessorOptions, ...options },
    FRAME_MS,
  );
  processor.resume();
  const segments: SpeechSegment[] = [];
  let start = 0;
  const handle = (frame: number) => (event: FrameProcessorEvent) => {
    if (event.msg === Message.SpeechStart) start = seconds(frame);
    if (event.msg === Message.SpeechEnd) segments.push({ start, end: seconds(frame + 1) });
  };
  for (; next < probabilities.length; next++) await processor.process(new Float32Array(512), handle(next));
  processor.endSegment((event) => {
    if (event.msg === Message.SpeechEnd) segments.push({ start, end: seconds(probabilities.length) });
  });
  return segments;
}

describe("SpeechSegmenter (vad-web's defaults: 0.3 / 0.25, redemption 43 frames, minimum speech 12)", () => {
  it("finds nothing in silence", () => {
    expect(segmentsOf(repeat(0.05, 500))).toEqual([]);
  });

  it("opens at the first speech frame and closes after 43 frames below 0.25", () => {
    const probabilities = [...repeat(0.1, 10), ...repeat(0.9, 20), ...repeat(0.1, 60)];
    const segmenter = new SpeechSegmenter(FRAME_MS);
    const closedAt = probabilities.map((p) => segmenter.push(p)).findIndex((s) => s !== undefined);
    expect(closedAt).toBe(30 + 42);
    expect(segmentsOf(probabilities)).toEqual([{ start: seconds(10), end: seconds(73) }]);
  });

  it("drops a burst shorter than the minimum speech (a misfire)", () => {
    expect(segmentsOf([...repeat(0.9, 11), ...repeat(0.1, 60)])).toEqual([]);
    expect(segmentsOf([...repeat(0.9, 12), ...repeat(0.1, 60)])).toHaveLength(1);
  });

  it("bridges a pause shorter than the redemption time", () => {
    const probabilities = [...repeat(0.9, 20), ...repeat(0.1, 30), ...repeat(0.9, 20), ...repeat(0.1, 60)];
    expect(segmentsOf(probabilities)).toEqual([{ start: 0, end: seconds(70 + 43) }]);
  });

  it("neither starts nor resets the redemption on frames between the thresholds", () => {
    expect(segmentsOf(repeat(0.27, 100))).toEqual([]);
    const probabilities = [...repeat(0.9, 20), ...repeat(0.1, 30), ...repeat(0.27, 10), ...repeat(0.1, 20)];
    expect(segmentsOf(probabilities)).toEqual([{ start: 0, end: seconds(20 + 30 + 10 + 13) }]);
  });

  it("closes an open segment at the end of the stream, if it has enough speech", () => {
    expect(segmentsOf([...repeat(0.1, 20), ...repeat(0.9, 20)])).toEqual([{ start: seconds(20), end: seconds(40) }]);
    expect(segmentsOf([...repeat(0.1, 20), ...repeat(0.9, 5)])).toEqual([]);
  });

  it("takes other thresholds and times", () => {
    const options = { positiveSpeechThreshold: 0.6, negativeSpeechThreshold: 0.4, redemptionMs: 320, minSpeechMs: 64 };
    const probabilities = [...repeat(0.5, 5), ...repeat(0.7, 3), ...repeat(0.3, 12)];
    expect(segmentsOf(probabilities, options)).toEqual([{ start: seconds(5), end: seconds(18) }]);
  });

  const probability = fc.oneof(
    fc.double({ min: 0, max: 1, noNaN: true }),
    fc.constantFrom(0.05, 0.25, 0.27, 0.3, 0.95),
  );
  /** Runs of one probability (speech, pauses, murmur), 1 to 60 frames long. */
  const runs = fc
    .array(fc.tuple(probability, fc.integer({ min: 1, max: 60 })), { maxLength: 20 })
    .map((list) => list.flatMap(([p, frames]) => repeat(p, frames)));

  test.prop([
    fc.oneof(fc.array(probability, { maxLength: 400 }), runs),
    fc.constantFrom<Partial<SpeechOptions>>({}, { redemptionMs: 96, minSpeechMs: 64 }, { redemptionMs: 0 }),
  ])("finds the segments vad-web's FrameProcessor finds", async (probabilities, options) => {
    expect(segmentsOf(probabilities, options)).toEqual(await vadWebSegments(probabilities, options));
  });
});
