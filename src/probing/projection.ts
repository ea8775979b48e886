/**
 * A keyed sparse random projection, which keeps L2 distances between inputs within a small factor
 * (Johnson-Lindenstrauss) while keeping no input: 32 numbers cannot give back 784 or 27,648, and
 * without the key the matrix is unknown. Up to 1,024 inputs every entry is +-1 (Achlioptas 2003);
 * past that each entry is nonzero with probability p = 1024/length, as +-1/sqrt(p) (Li, Hastie and
 * Church 2006, with s = length/1024, denser than their sqrt(length)), so every output sums about
 * 1,024 inputs whatever the input's size. Why: the projection runs on every request, often in an
 * isolate whose JavaScript is not yet optimised; dense, text-orientation's 32 x 27,648 sum took
 * 70-110 ms there (3 ms optimised). The matrix is drawn from a seeded generator, once per isolate
 * and input length.
 */

export const PROJECTION_DIMENSIONS = 32;
/** Inputs each output sums, on average, once the input is longer than this. */
export const NONZEROS_PER_OUTPUT = 1024;

export type Projector = (input: ArrayLike<number>) => Float32Array;

/** A sparse matrix by rows: row j's entries are `values[k]` at `columns[k]`, k in [starts[j], starts[j + 1]). */
interface SparseMatrix {
  starts: Int32Array;
  columns: Int32Array;
  values: Float32Array;
}

export function createProjector(seed: Uint8Array, dimensions = PROJECTION_DIMENSIONS): Projector {
  const matrices = new Map<number, SparseMatrix>();
  return (input) => {
    let matrix = matrices.get(input.length);
    if (!matrix) {
      matrix = draw(seed, input.length, dimensions);
      matrices.set(input.length, matrix);
    }
    const { starts, columns, values } = matrix;
    const out = new Float32Array(dimensions);
    for (let j = 0; j < dimensions; j++) {
      let sum = 0;
      for (let k = starts[j]; k < starts[j + 1]; k++) sum += values[k] * input[columns[k]];
      out[j] = sum;
    }
    return out;
  };
}

/**
 * Each row's nonzero columns as a Bernoulli(p) process, drawn by geometric skips (one draw per
 * nonzero, not per entry), each with a random sign; scaled so that E[|Rx|^2] = |x|^2.
 */
function draw(seed: Uint8Array, length: number, dimensions: number): SparseMatrix {
  const p = Math.min(1, NONZEROS_PER_OUTPUT / length);
  const magnitude = 1 / Math.sqrt(p * dimensions);
  const logMiss = Math.log1p(-p);
  const random = xoshiro128(seed, length);
  const starts = new Int32Array(dimensions + 1);
  const columns: number[] = [];
  const values: number[] = [];
  for (let j = 0; j < dimensions; j++) {
    starts[j] = columns.length;
    for (let i = -1; ; ) {
      const bits = random();
      // Bits 1-31 give u in (0, 1]; the number of zeros before the next nonzero is Geometric(p).
      i += p === 1 ? 1 : 1 + Math.floor(Math.log(((bits >>> 1) + 1) / 2 ** 31) / logMiss);
      if (i >= length) break;
      columns.push(i);
      values.push(bits & 1 ? magnitude : -magnitude);
    }
  }
  starts[dimensions] = columns.length;
  return { starts, columns: Int32Array.from(columns), values: Float32Array.from(values) };
}

/** xoshiro128** seeded by the key and the input length: 32 random bits per call. */
function xoshiro128(seed: Uint8Array, length: number): () => number {
  const words = new DataView(seed.buffer, seed.byteOffset, seed.byteLength);
  const s = Uint32Array.from({ length: 4 }, (_, i) => words.getUint32((i * 4) % (seed.byteLength - 3), true));
  s[0] ^= length;
  if (s.every((word) => word === 0)) s[0] = 1;
  return () => {
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  };
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
