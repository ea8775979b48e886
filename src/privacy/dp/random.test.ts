import { describe, expect, it } from "vitest";
import { CryptoRandomSource, uniformBelow, uniformBelowBigInt } from "./random";
import { chiSquaredPValue } from "./testing/statistics";
import type { RandomSource } from "./types";

/** A source that replays the given words. */
function replay(...words: number[]): RandomSource {
  return { nextUint32: () => words.shift() ?? Number.NaN };
}

describe("uniform integers", () => {
  it("reject the words that would make small residues likelier (no modulo bias)", () => {
    // 2^32 = 3·1431655765 + 1: the word 2^32 - 1 is the one left over, so it is drawn again.
    expect(uniformBelow(3, replay(0xffffffff, 5))).toBe(2);
    expect(uniformBelow(3, replay(0xfffffffe, 5))).toBe(0xfffffffe % 3);
    // Above 2^32 a draw is 21 + 32 bits; 2^53 mod (2^52 + 1) = 2^52 - 1, so draws >= 2^53 - (2^52 - 1) are redrawn.
    const bound = 2 ** 52 + 1;
    expect(uniformBelow(bound, replay(0xffffffff, 0xffffffff, 0, 7))).toBe(7);
    // 2^64 + 1 takes 65 bits: one from the first word's top bit, then two whole words; 2^64 + 1 itself is redrawn.
    expect(uniformBelowBigInt(2n ** 64n + 1n, replay(0x80000000, 0, 1, 0, 0, 9))).toBe(9n);
    expect(() => uniformBelow(0, replay())).toThrow(RangeError);
    expect(() => uniformBelow(2 ** 53, replay())).toThrow(RangeError);
  });

  it.each([3, 7, 2 ** 32 - 1, 2 ** 40 + 3])(
    "are uniform below %d (chi-squared over at most 16 bins, 160,000 draws)",
    (bound) => {
      const random = new CryptoRandomSource();
      const bins = new Array<number>(16).fill(0);
      const draws = 160_000;
      // One bin per value below 16, else 16 bins of equal width (to within one value in 2^28).
      const binOf = (x: number) => (bound < 16 ? x : Math.floor((x / bound) * 16));
      const binCount = Math.min(bound, 16);
      for (let i = 0; i < draws; i++) bins[binOf(uniformBelow(bound, random))]++;
      const expected = draws / binCount;
      const statistic = bins
        .slice(0, binCount)
        .reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
      expect(chiSquaredPValue(statistic, binCount - 1)).toBeGreaterThan(1e-4);
    },
  );

  it("are uniform below a bigint beyond 2^53 (the top bit is set about as often as it should be)", () => {
    const random = new CryptoRandomSource();
    const bound = 3n * 2n ** 70n; // top bit (2^71) set for values in [2^71, 3·2^70): a third of the range
    let high = 0;
    const draws = 90_000;
    for (let i = 0; i < draws; i++) if (uniformBelowBigInt(bound, random) >= 2n ** 71n) high++;
    expect(Math.abs(high - draws / 3)).toBeLessThan(5 * Math.sqrt((draws * 2) / 9));
  });
});
