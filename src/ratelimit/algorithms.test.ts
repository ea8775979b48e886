import { describe, expect, it } from "vitest";
import { decide, type LimiterState } from "./algorithms";
import { DEFAULT_POLICY } from "./policy";
import type { RateLimitPolicy } from "./types";

/** Runs requests at the given times through one key's state, as the Durable Object does. */
function run(policy: RateLimitPolicy, times: number[], cost = 1) {
  let state: LimiterState | undefined;
  return times.map((now) => {
    const decision = decide(policy, state, cost, now);
    state = decision.state;
    return decision.answer;
  });
}

describe("sliding window (as @upstash/ratelimit's script)", () => {
  const policy: RateLimitPolicy = { ...DEFAULT_POLICY, limit: 3, window: "10 s" };

  it("admits the limit in a window and resets at its end", () => {
    const answers = run(policy, [100_000, 101_000, 102_000, 103_000]);
    expect(answers.map((a) => a.allowed)).toEqual([true, true, true, false]);
    expect(answers.map((a) => a.remaining)).toEqual([2, 1, 0, 0]);
    expect(answers[3].reset).toBe(110_000);
  });

  it("weighs the previous window by its overlap", () => {
    // 3 in [100 s, 110 s); at 115 s half the previous window still counts: floor(0.5 * 3) = 1.
    const answers = run(policy, [100_000, 101_000, 102_000, 115_000, 115_100, 115_200]);
    expect(answers.slice(3).map((a) => a.allowed)).toEqual([true, true, false]);
  });

  it("counts a request's cost", () => {
    const answers = run({ ...policy, limit: 10 }, [100_000, 100_001, 100_002], 4);
    expect(answers.map((a) => a.allowed)).toEqual([true, true, false]);
    expect(answers[1].remaining).toBe(2);
  });
});

describe("token bucket (as @upstash/ratelimit's script)", () => {
  const policy: RateLimitPolicy = {
    ...DEFAULT_POLICY,
    algorithm: "token-bucket",
    limit: 2,
    refillRate: 1,
    window: "2 s",
  };

  it("spends the bucket, then refills one token per interval", () => {
    const answers = run(policy, [0, 10, 20, 2_000, 2_010, 6_000, 6_001, 6_002]);
    expect(answers.map((a) => a.allowed)).toEqual([true, true, false, true, false, true, true, false]);
    expect(answers[2].reset).toBe(2_000);
  });

  it("refuses a request that costs more than is left, without spending", () => {
    const answers = run({ ...policy, limit: 5 }, [0, 1, 2], 3);
    expect(answers.map((a) => [a.allowed, a.remaining])).toEqual([
      [true, 2],
      [false, 0],
      [false, 0],
    ]);
  });
});
