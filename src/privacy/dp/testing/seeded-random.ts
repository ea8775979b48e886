/**
 * A seeded `RandomSource` (xoshiro128**, seeded through splitmix32) for the tests whose point is
 * reproducing the same draws; never for noise that is released.
 */
import type { RandomSource } from "../types";

export function seededRandom(seed: number): RandomSource {
  let s = seed >>> 0;
  const splitmix32 = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  const state = [splitmix32(), splitmix32(), splitmix32(), splitmix32()];
  const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
  return {
    nextUint32() {
      const result = Math.imul(rotl(Math.imul(state[1], 5) >>> 0, 7), 9) >>> 0;
      const t = (state[1] << 9) >>> 0;
      state[2] ^= state[0];
      state[3] ^= state[1];
      state[1] ^= state[2];
      state[0] ^= state[3];
      state[2] = (state[2] ^ t) >>> 0;
      state[3] = rotl(state[3], 11);
      state[0] >>>= 0;
      state[1] >>>= 0;
      state[2] >>>= 0;
      return result;
    },
  };
}
