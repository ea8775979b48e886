/** Bilinear resampling of 8-bit RGB with half-pixel centres, as OpenCV's INTER_LINEAR does. */
import type { RgbImage } from "./png";

export function resizeBilinear(image: RgbImage, width: number, height: number): RgbImage {
  const { rgb, width: sw, height: sh } = image;
  const out = new Uint8Array(width * height * 3);
  const sx = sw / width;
  const sy = sh / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), sh - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, sh - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), sw - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, sw - 1);
      const wx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const top = rgb[(y0 * sw + x0) * 3 + c] * (1 - wx) + rgb[(y0 * sw + x1) * 3 + c] * wx;
        const bottom = rgb[(y1 * sw + x0) * 3 + c] * (1 - wx) + rgb[(y1 * sw + x1) * 3 + c] * wx;
        out[(y * width + x) * 3 + c] = Math.round(top * (1 - wy) + bottom * wy);
      }
    }
  }
  return { width, height, rgb: out };
}

/**
 * Planar float tensor (C, H, W) in BGR order, the order PaddleOCR models were trained on:
 * `(pixel / 255 - mean[c]) / std[c]`, written into a canvas of `canvasWidth` (zero padding right).
 */
export function toBgrPlanar(image: RgbImage, mean: number[], std: number[], canvasWidth = image.width): Float32Array {
  const { width, height, rgb } = image;
  const plane = height * canvasWidth;
  const out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const source = 2 - c; // BGR
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        out[c * plane + y * canvasWidth + x] = (rgb[(y * width + x) * 3 + source] / 255 - mean[c]) / std[c];
      }
    }
  }
  return out;
}
