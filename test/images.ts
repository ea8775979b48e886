/**
 * Test images made here, so no image file is committed: a line of lowercase text drawn with a
 * small bitmap font (ascenders and descenders make its orientation visible), encoded as PNG.
 */
import { encode } from "fast-png";

// 5x9 glyphs: two rows of ascender, five of x-height, two of descender.
const GLYPHS: Record<string, string> = {
  a: "00000 00000 01110 00001 01111 10001 01111 00000 00000",
  b: "10000 10000 10110 11001 10001 11001 10110 00000 00000",
  d: "00001 00001 01101 10011 10001 10011 01101 00000 00000",
  e: "00000 00000 01110 10001 11111 10000 01110 00000 00000",
  g: "00000 00000 01111 10001 10001 01111 00001 00001 01110",
  h: "10000 10000 10110 11001 10001 10001 10001 00000 00000",
  l: "01100 00100 00100 00100 00100 00100 01110 00000 00000",
  o: "00000 00000 01110 10001 10001 10001 01110 00000 00000",
  p: "00000 00000 11110 10001 10001 11110 10000 10000 10000",
  r: "00000 00000 10110 11001 10000 10000 10000 00000 00000",
  t: "00100 00100 11111 00100 00100 00100 00011 00000 00000",
  y: "00000 00000 10001 10001 10001 01111 00001 00001 01110",
  " ": "00000 00000 00000 00000 00000 00000 00000 00000 00000",
};

export interface TestImage {
  width: number;
  height: number;
  rgb: Uint8Array;
}

/** Dark text on a light background, `scale` pixels per font dot, with a margin. */
export function drawText(text: string, scale = 3, margin = 6): TestImage {
  const columns = text.length * 6 - 1;
  const width = columns * scale + 2 * margin;
  const height = 9 * scale + 2 * margin;
  const rgb = new Uint8Array(width * height * 3).fill(245);
  [...text].forEach((char, index) => {
    const rows = (GLYPHS[char] ?? GLYPHS[" "]).split(" ");
    rows.forEach((row, gy) => {
      [...row].forEach((bit, gx) => {
        if (bit !== "1") return;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const x = margin + (index * 6 + gx) * scale + dx;
            const y = margin + gy * scale + dy;
            rgb.fill(20, (y * width + x) * 3, (y * width + x) * 3 + 3);
          }
        }
      });
    });
  });
  return { width, height, rgb };
}

/** The image turned upside down (rotated by 180 degrees). */
export function rotate180(image: TestImage): TestImage {
  const pixels = image.width * image.height;
  const rgb = new Uint8Array(image.rgb.length);
  for (let p = 0; p < pixels; p++) rgb.set(image.rgb.subarray(p * 3, p * 3 + 3), (pixels - 1 - p) * 3);
  return { ...image, rgb };
}

/** Places `image` on a light page of the given size at (x, y). */
export function onPage(image: TestImage, width: number, height: number, x: number, y: number): TestImage {
  const rgb = new Uint8Array(width * height * 3).fill(250);
  for (let row = 0; row < image.height; row++) {
    rgb.set(image.rgb.subarray(row * image.width * 3, (row + 1) * image.width * 3), ((y + row) * width + x) * 3);
  }
  return { width, height, rgb };
}

export function pngBase64(image: TestImage): string {
  const png = encode({ width: image.width, height: image.height, data: image.rgb, channels: 3, depth: 8 });
  return Buffer.from(png).toString("base64");
}
