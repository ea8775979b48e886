/**
 * Inputs as pictures for the report: a PNG data URI per image (grey for one channel, colour for
 * three), values mapped from the clip range to 0-255, and the perturbation amplified around
 * mid-grey so a small one is visible at all.
 */
import { encode } from "fast-png";
import type { Layout } from "../attacks/types";

export function pngDataUri(values: ArrayLike<number>, layout: Layout, range: readonly [number, number]): string {
  const { height, width } = layout;
  const channels = layout.channels === 3 ? 3 : 1;
  const plane = height * width;
  const pixels = new Uint8Array(plane * channels);
  const span = range[1] - range[0] || 1;
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < channels; c++) {
      // Planar (channels first) in, interleaved out.
      pixels[p * channels + c] = Math.round(Math.min(1, Math.max(0, (values[c * plane + p] - range[0]) / span)) * 255);
    }
  }
  const png = encode({ width, height, data: pixels, channels, depth: 8 });
  return `data:image/png;base64,${Buffer.from(png).toString("base64")}`;
}

/** adversarial - original, scaled so its largest element reaches the edge of the range: mid-grey is no change. */
export function perturbationImage(original: ArrayLike<number>, adversarial: ArrayLike<number>, layout: Layout): string {
  let max = 1e-12;
  for (let i = 0; i < original.length; i++) max = Math.max(max, Math.abs(adversarial[i] - original[i]));
  const scaled = Float32Array.from({ length: original.length }, (_, i) => (adversarial[i] - original[i]) / max);
  return pngDataUri(scaled, layout, [-1, 1]);
}
