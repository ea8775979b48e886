/** The VAD stream's state chain, against a fake `vad` function: sealed states passed back as they came. */
import { describe, expect, it } from "vitest";
import { BastionClientError } from "./errors";
import { createVadStream, type VadCall } from "./vad-stream";

const chunk = (frames: number) => new Float32Array(512 * frames);

/** A fake vad: each answer's state names its call; states listed in `refused` no longer open. */
function fakeVad(refused = new Set<string>(), failure?: BastionClientError) {
  const sent: (string | undefined)[] = [];
  const call: VadCall = async ({ state }) => {
    sent.push(state);
    if (state !== undefined && refused.has(state)) throw failure;
    return { speechProbability: 0, state: `state-${sent.length}` };
  };
  return { call, sent };
}

describe("the VAD stream's state", () => {
  it("passes each answer's state, as it came, with the next frame", async () => {
    const vad = fakeVad();
    await createVadStream(vad.call, { sampleRate: 16_000 }).push(chunk(3));
    expect(vad.sent).toEqual([undefined, "state-1", "state-2"]);
  });

  it("sends a frame again without state when the server no longer opens it (invalid_state)", async () => {
    const expired = new BastionClientError("state has expired", { status: 400, code: "invalid_state" });
    const vad = fakeVad(new Set(["state-2"]), expired);
    const { frames } = await createVadStream(vad.call, { sampleRate: 16_000 }).push(chunk(4));
    expect(frames).toHaveLength(4);
    expect(vad.sent).toEqual([undefined, "state-1", "state-2", undefined, "state-4"]);
  });

  it("fails on any other refusal", async () => {
    const invalid = new BastionClientError("audio: too loud", { status: 400, code: "invalid_input" });
    const vad = fakeVad(new Set(["state-1"]), invalid);
    await expect(createVadStream(vad.call, { sampleRate: 16_000 }).push(chunk(2))).rejects.toBe(invalid);
  });
});
