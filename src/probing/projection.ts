/**
 * A keyed random projection (Achlioptas 2003: entries +-1/sqrt(k)), which keeps L2 distances
 * between inputs within a small factor (Johnson-Lindenstrauss) while keeping no input: 32 numbers
 * cannot give back 784 or 27,648, and without the key the matrix is unknown. The matrix is drawn
 * from a seeded generator, once per isolate and input length.
 */

export const PROJECTION_DIMENSIONS = 32;
/** Longer inputs are sampled at an even stride first, so the matrix stays small (2 MiB at most). */
export const MAX_PROJECTED_LENGTH = 65_536;

export type Projector = (input: ArrayLike<number>) => Float32Array;

export function createProjector(seed: Uint8Array, dimensions = PROJECTION_DIMENSIONS): Projector {
  const matrices = new Map<number, Int8Array>();
  const scale = 1 / Math.sqrt(dimensions);
  return (full) => {
    const input = full.length > MAX_PROJECTED_LENGTH ? strided(full, MAX_PROJECTED_LENGTH) : full;
    let signs = matrices.get(input.length);
    if (!signs) {
      signs = rademacher(seed, input.length, input.length * dimensions);
      matrices.set(input.length, signs);
    }
    const out = new Float32Array(dimensions);
    for (let j = 0; j < dimensions; j++) {
      let sum = 0;
      const row = j * input.length;
      for (let i = 0; i < input.length; i++) sum += signs[row + i] * input[i];
      out[j] = sum * scale;
    }
    return out;
  };
}

function strided(input: ArrayLike<number>, length: number): Float32Array {
  const step = input.length / length;
  return Float32Array.from({ length }, (_, i) => input[Math.floor(i * step)]);
}

/** +-1 entries from xoshiro128** seeded by the key and the input length. */
function rademacher(seed: Uint8Array, length: number, count: number): Int8Array {
  const words = new DataView(seed.buffer, seed.byteOffset, seed.byteLength);
  const state = Uint32Array.from({ length: 4 }, (_, i) => words.getUint32((i * 4) % (seed.byteLength - 3), true));
  state[0] ^= length;
  if (state.every((word) => word === 0)) state[0] = 1;
  const out = new Int8Array(count);
  for (let i = 0; i < count; i += 32) {
    const bits = next(state);
    for (let b = 0; b < 32 && i + b < count; b++) out[i + b] = (bits >>> b) & 1 ? 1 : -1;
  }
  return out;
}

function next(s: Uint32Array): number {
  const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
  const t = s[1] << 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 11);
  return result;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return Math.sqrt(sum);
}

export function norm(a: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * a[i];
  return Math.sqrt(sum);
}
