/**
 * The directions SimBA tries, and their order (art/attacks/evasion/simba.py): single pixels
 * (`px`, in `random` or `diag` order) or low frequencies first (`dct`, ART's `_block_order`).
 * Indices run over channels x height x width, channels first.
 */
import type { Random } from "../random";
import type { Layout } from "./types";

/**
 * ART's `_block_order`: the `initial_size` x `initial_size` lowest frequencies first, then bands
 * `stride` wide further out, each band shuffled. A coefficient (u, v) belongs to the band of
 * max(u, v), which is what ART's square blocks amount to; that reading also covers non-square
 * images and 1-D signals (height 1), which ART does not.
 */
export function blockOrder(layout: Layout, initialSize: number, stride: number, random: Random): Int32Array {
  const { channels, height, width } = layout;
  const bands: number[][] = [];
  for (let c = 0; c < channels; c++) {
    for (let u = 0; u < height; u++) {
      for (let v = 0; v < width; v++) {
        const ring = Math.max(u, v);
        const band = ring < initialSize ? 0 : 1 + Math.floor((ring - initialSize) / stride);
        bands[band] ??= [];
        bands[band].push(c * height * width + u * width + v);
      }
    }
  }
  const order: number[] = [];
  for (const band of bands) {
    if (!band) continue;
    for (const k of random.permutation(band.length)) order.push(band[k]);
  }
  return Int32Array.from(order);
}

/**
 * ART's `diagonal_order`: pixels by anti-diagonal (i + j), then by row, every channel of a pixel
 * in turn.
 */
export function diagonalOrder({ channels, height, width }: Layout): Int32Array {
  const keyed: [number, number, number, number][] = [];
  for (let c = 0; c < channels; c++)
    for (let i = 0; i < height; i++)
      for (let j = 0; j < width; j++) keyed.push([i + j, i, c, c * height * width + i * width + j]);
  keyed.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  return Int32Array.from(keyed, (k) => k[3]);
}

/**
 * The orthonormal 2-D DCT basis vector of coefficient `index`: what ART's `_block_idct` of a
 * one-hot coefficient gives with the block as large as the image (scipy's idct, norm="ortho").
 * Unit L2 norm. Cosine tables are cached per layout.
 */
export function dctBasis(layout: Layout): (index: number) => Float32Array {
  const { channels, height, width } = layout;
  const rows = cosineTable(height);
  const columns = cosineTable(width);
  return (index) => {
    const c = Math.floor(index / (height * width));
    const u = Math.floor(index / width) % height;
    const v = index % width;
    const out = new Float32Array(channels * height * width);
    const offset = c * height * width;
    for (let i = 0; i < height; i++) {
      const a = rows[u * height + i];
      for (let j = 0; j < width; j++) out[offset + i * width + j] = a * columns[v * width + j];
    }
    return out;
  };
}

/** table[k * n + i]: the k-th orthonormal DCT-II basis function at sample i. */
function cosineTable(n: number): Float64Array {
  const table = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const scale = Math.sqrt((k === 0 ? 1 : 2) / n);
    for (let i = 0; i < n; i++) table[k * n + i] = scale * Math.cos((Math.PI * (2 * i + 1) * k) / (2 * n));
  }
  return table;
}
