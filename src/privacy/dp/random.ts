/**
 * Uniform integers from a `RandomSource`, by rejection so that no value is more likely than
 * another (`x % n` of a 32-bit word would favour small residues whenever n does not divide 2^32).
 */
import type { RandomSource } from "./types";

const TWO_32 = 2 ** 32;
const TWO_53 = 2 ** 53;
const WORDS_PER_REFILL = 4096;

/**
 * `crypto.getRandomValues`, fetched 16 KiB at a time: one call per draw would dominate the
 * sampling cost. The buffer is the only state.
 */
export class CryptoRandomSource implements RandomSource {
  private readonly words = new Uint32Array(WORDS_PER_REFILL);
  private next = WORDS_PER_REFILL;

  nextUint32(): number {
    if (this.next === WORDS_PER_REFILL) {
      crypto.getRandomValues(this.words);
      this.next = 0;
    }
    return this.words[this.next++];
  }
}

/** The default source of every sampler. */
export const cryptoRandom: RandomSource = new CryptoRandomSource();

/** A uniform integer in [0, bound), for a safe-integer bound >= 1. */
export function uniformBelow(bound: number, random: RandomSource): number {
  if (!Number.isSafeInteger(bound) || bound < 1) throw new RangeError(`bound must be a safe integer >= 1: ${bound}`);
  // Draws at or above `limit`, the largest multiple of `bound` the draw can reach, are rejected,
  // so every residue has the same number of preimages. All these operations are exact on doubles.
  if (bound <= TWO_32) {
    const limit = TWO_32 - (TWO_32 % bound);
    for (;;) {
      const draw = random.nextUint32();
      if (draw < limit) return draw % bound;
    }
  }
  const limit = TWO_53 - (TWO_53 % bound);
  for (;;) {
    const draw = (random.nextUint32() >>> 11) * TWO_32 + random.nextUint32();
    if (draw < limit) return draw % bound;
  }
}

/** A uniform integer in [0, bound) for any bigint bound >= 1. */
export function uniformBelowBigInt(bound: bigint, random: RandomSource): bigint {
  if (bound < 1n) throw new RangeError(`bound must be >= 1: ${bound}`);
  if (bound <= BigInt(Number.MAX_SAFE_INTEGER)) return BigInt(uniformBelow(Number(bound), random));
  // Draw as many bits as `bound - 1` has and reject draws >= bound: each try succeeds with
  // probability above one half.
  const bits = (bound - 1n).toString(2).length;
  const topBits = bits % 32 || 32;
  for (;;) {
    let draw = BigInt(random.nextUint32() >>> (32 - topBits));
    for (let filled = topBits; filled < bits; filled += 32) draw = (draw << 32n) | BigInt(random.nextUint32());
    if (draw < bound) return draw;
  }
}
