/**
 * Images sent as base64 PNG: decoded with fast-png into 8-bit RGB, after checking the declared
 * size so a small file cannot ask for a huge buffer (a decompression bomb).
 */
import { convertIndexedToRgb, decode, hasPngSignature } from "fast-png";
import { InvalidInput } from "../errors";

export interface RgbImage {
  width: number;
  height: number;
  /** Row-major, 3 bytes per pixel. */
  rgb: Uint8Array;
}

export const MAX_IMAGE_PIXELS = 4096 * 4096;

export function decodePngBase64(base64: string): RgbImage {
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  } catch {
    throw new InvalidInput("invalid_image", "png is not valid base64");
  }
  if (bytes.length < 24 || !hasPngSignature(bytes)) throw new InvalidInput("invalid_image", "png is not a PNG file");
  const header = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = header.getUint32(16);
  const height = header.getUint32(20);
  if (width === 0 || height === 0 || width * height > MAX_IMAGE_PIXELS) {
    throw new InvalidInput(
      "image_too_large",
      `png is ${width}x${height}; at most ${MAX_IMAGE_PIXELS} pixels are accepted`,
    );
  }
  let png: ReturnType<typeof decode>;
  try {
    png = decode(bytes, { checkCrc: true });
  } catch {
    throw new InvalidInput("invalid_image", "png could not be decoded");
  }
  return { width: png.width, height: png.height, rgb: toRgb8(png) };
}

function toRgb8(png: ReturnType<typeof decode>): Uint8Array {
  if (png.palette) return stripAlpha(convertIndexedToRgb(png), png.palette[0]?.length ?? 3, png.width * png.height);
  const pixels = png.width * png.height;
  const shift = png.depth === 16 ? 8 : 0;
  const scale = png.depth < 8 ? 255 / (2 ** png.depth - 1) : 1;
  const rgb = new Uint8Array(pixels * 3);
  const channels = png.channels;
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < 3; c++) {
      // Grey (1 channel) and grey+alpha (2) repeat the grey value; alpha is dropped.
      const source = channels <= 2 ? p * channels : p * channels + c;
      rgb[p * 3 + c] = Math.round((png.data[source] >> shift) * scale);
    }
  }
  return rgb;
}

function stripAlpha(data: Uint8Array, channels: number, pixels: number): Uint8Array {
  if (channels === 3) return data;
  const rgb = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) rgb.set(data.subarray(p * channels, p * channels + 3), p * 3);
  return rgb;
}
