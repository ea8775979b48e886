/**
 * Test images made here, so no image file is committed: a line of lowercase text drawn with a
 * small bitmap font (ascenders and descenders make its orientation visible), encoded as PNG.
 */
import { crc32, deflateSync } from "node:zlib";
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

/** One PNG chunk: length, type, data, CRC. */
export function pngChunk(type: string, data: Uint8Array = new Uint8Array(0)): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

export function ihdr(width: number, height: number, depth = 8, colorType = 2, interlace = 0): Buffer {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  data.set([depth, colorType, 0, 0, interlace], 8);
  return pngChunk("IHDR", data);
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * A PNG whose image data inflates to `inflatedBytes` of zeros. With the default 1x1 RGB header
 * it is a decompression bomb (1.4 GB of zeros is about 1.4 MB on the wire); with a header whose
 * size matches it is an honest all-black image, e.g. 4096x4096 16-bit RGBA (134 MB decoded,
 * about 130 KB on the wire).
 */
export function pngBomb(inflatedBytes: number, header = ihdr(1, 1)): Buffer {
  const data = deflateSync(Buffer.alloc(inflatedBytes), { level: 9 });
  return Buffer.concat([PNG_SIGNATURE, header, pngChunk("IDAT", data), pngChunk("IEND")]);
}
