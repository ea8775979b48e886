/**
 * PNG decoding within a budget. A PNG's header says how large its image is, but its compressed
 * data can inflate to far more (a decompression bomb: 1.4 MB that inflates for a minute into
 * gigabytes), and its ancillary chunks can carry compressed data of their own (iCCP). So before
 * fast-png decodes anything:
 *
 * 1. the chunks are walked and the header checked against the caller's budget of pixels and of
 *    decoded bytes;
 * 2. the image data is inflated in small steps and refused the moment it exceeds what the header
 *    implies (rows x (1 + bytes per row), per Adam7 pass when interlaced), or falls short of it;
 * 3. fast-png then decodes a copy holding only the chunks an image needs (IHDR, PLTE for indexed
 *    images, tRNS, IDAT, IEND), whose data is now known to inflate to exactly the expected size.
 *    Whatever fast-png or the conversion to RGB then fails on is the file's fault: 400, never 500.
 *
 * No maintained JavaScript PNG decoder bounds its inflation, hence steps 1 and 2 by hand.
 */

import { convertIndexedToRgb, decode } from "fast-png";
import { Unzlib } from "fflate";
import { InvalidInput } from "../errors";

export interface RgbImage {
  width: number;
  height: number;
  /** Row-major, 3 bytes per pixel. */
  rgb: Uint8Array;
}

/** What a function lets one image cost: pixels, and bytes once decoded at its own sample size. */
export interface ImageBudget {
  maxPixels: number;
  maxDecodedBytes: number;
}

export interface PngHeader {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  interlaced: boolean;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Bit depths each colour type allows, and its channels (PNG spec, table 11.1). */
const COLOR_TYPES: Record<number, { channels: number; depths: number[] }> = {
  0: { channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { channels: 3, depths: [8, 16] },
  3: { channels: 1, depths: [1, 2, 4, 8] },
  4: { channels: 2, depths: [8, 16] },
  6: { channels: 4, depths: [8, 16] },
};
const KEPT_CHUNKS = new Set(["IHDR", "tRNS", "IDAT", "IEND"]);
/** Colour type 3: pixels are indices into PLTE (which other types may carry, and decoders ignore). */
const INDEXED = 3;
/** Compressed bytes inflated per step: one step can yield at most about 1,000 times as much. */
const INFLATE_STEP = 2048;
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

const invalid = (message: string) => new InvalidInput("invalid_image", message);

/** Decodes a PNG into 8-bit RGB, or refuses it with 400 `invalid_image` / `image_too_large`. */
export function decodePng(bytes: Uint8Array, budget: ImageBudget): RgbImage {
  const { header, kept, imageData } = readChunks(bytes, budget);
  checkInflatedSize(imageData, inflatedSize(header));
  try {
    const png = decode(kept, { checkCrc: true });
    return { width: png.width, height: png.height, rgb: toRgb8(png, header) };
  } catch {
    throw invalid("PNG could not be decoded");
  }
}

/**
 * Walks the chunks: the header (checked against the budget as soon as it is read), the image
 * data, and a copy of the file without ancillary chunks.
 */
function readChunks(bytes: Uint8Array, budget: ImageBudget) {
  if (bytes.length < 8 || SIGNATURE.some((byte, i) => bytes[i] !== byte)) throw invalid("not a PNG file");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kept: Uint8Array[] = [bytes.subarray(0, 8)];
  const imageData: Uint8Array[] = [];
  let header: PngHeader | undefined;
  let hasPalette = false;
  let offset = 8;
  for (;;) {
    if (offset + 12 > bytes.length) throw invalid("PNG ends before its IEND chunk");
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    const end = offset + 12 + length;
    if (end > bytes.length) throw invalid(`PNG chunk ${JSON.stringify(type)} runs past the end of the file`);
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    if (header === undefined) {
      if (type !== "IHDR" || length !== 13) throw invalid("PNG does not start with its IHDR chunk");
      header = readHeader(new DataView(data.buffer, data.byteOffset, 13));
      checkBudget(header, budget);
    }
    if (type === "IDAT") imageData.push(data);
    if (type === "PLTE" && header.colorType === INDEXED) {
      if (length === 0 || length % 3 !== 0 || length / 3 > 2 ** header.depth)
        throw invalid("PNG has a palette of the wrong size");
      kept.push(bytes.subarray(offset, end));
      hasPalette = true;
    }
    if (KEPT_CHUNKS.has(type)) kept.push(bytes.subarray(offset, end));
    offset = end;
    if (type === "IEND") break;
  }
  if (!header || imageData.length === 0) throw invalid("PNG has no image data");
  if (header.colorType === INDEXED && !hasPalette) throw invalid("PNG is indexed but has no palette");
  return { header, kept: concat(kept), imageData };
}

function readHeader(ihdr: DataView): PngHeader {
  const header = {
    width: ihdr.getUint32(0),
    height: ihdr.getUint32(4),
    depth: ihdr.getUint8(8),
    colorType: ihdr.getUint8(9),
    interlaced: ihdr.getUint8(12) === 1,
  };
  const type = COLOR_TYPES[header.colorType];
  if (header.width === 0 || header.height === 0) throw invalid("PNG has no pixels");
  if (!type?.depths.includes(header.depth))
    throw invalid(`PNG has an invalid colour type ${header.colorType} with bit depth ${header.depth}`);
  if (ihdr.getUint8(10) !== 0 || ihdr.getUint8(11) !== 0 || ihdr.getUint8(12) > 1)
    throw invalid("PNG uses an unknown compression, filter or interlace method");
  return header;
}

/** Decoded bytes: each pixel at its sample size (palette images expand to RGBA, 4 bytes). */
export function decodedBytes(header: PngHeader): number {
  const { channels } = COLOR_TYPES[header.colorType];
  const perPixel = header.colorType === INDEXED ? 4 : channels * (header.depth === 16 ? 2 : 1);
  return header.width * header.height * perPixel;
}

function checkBudget(header: PngHeader, budget: ImageBudget) {
  const pixels = header.width * header.height;
  const size = `${header.width}x${header.height}`;
  if (pixels > budget.maxPixels)
    throw new InvalidInput("image_too_large", `PNG is ${size}; at most ${budget.maxPixels} pixels are accepted`);
  const bytes = decodedBytes(header);
  if (bytes > budget.maxDecodedBytes) {
    throw new InvalidInput(
      "image_too_large",
      `PNG is ${size} at ${header.depth} bits per sample: ${bytes} bytes decoded, at most ${budget.maxDecodedBytes} are accepted`,
    );
  }
}

/** The size of the filtered scanlines the header implies: what the image data must inflate to. */
export function inflatedSize(header: PngHeader): number {
  const bitsPerPixel = COLOR_TYPES[header.colorType].channels * header.depth;
  const scanlines = (width: number, height: number) =>
    width > 0 && height > 0 ? height * (1 + Math.ceil((width * bitsPerPixel) / 8)) : 0;
  if (!header.interlaced) return scanlines(header.width, header.height);
  return ADAM7.reduce(
    (total, [x0, y0, dx, dy]) =>
      total + scanlines(Math.ceil((header.width - x0) / dx), Math.ceil((header.height - y0) / dy)),
    0,
  );
}

/** Inflates step by step, counting only, and stops as soon as the output passes `expected`. */
function checkInflatedSize(imageData: Uint8Array[], expected: number) {
  let produced = 0;
  const inflater = new Unzlib((chunk) => {
    produced += chunk.length;
    if (produced > expected) throw invalid("PNG image data inflates beyond the size its header declares");
  });
  try {
    for (const data of imageData)
      for (let at = 0; at < data.length; at += INFLATE_STEP) inflater.push(data.subarray(at, at + INFLATE_STEP));
    inflater.push(new Uint8Array(0), true);
  } catch (error) {
    if (error instanceof InvalidInput) throw error;
    throw invalid("PNG image data is not valid zlib data");
  }
  if (produced < expected) throw invalid("PNG image data is shorter than its header declares");
}

function toRgb8(png: ReturnType<typeof decode>, header: PngHeader): Uint8Array {
  const pixels = png.width * png.height;
  if (header.colorType === INDEXED)
    return stripAlpha(convertIndexedToRgb(png), (png.palette as number[][])[0].length, pixels);
  if (header.depth < 8) return greyBitsToRgb8(png.data as Uint8Array, header);
  const shift = header.depth === 16 ? 8 : 0;
  const rgb = new Uint8Array(pixels * 3);
  const channels = png.channels;
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < 3; c++) {
      // Grey (1 channel) and grey+alpha (2) repeat the grey value; alpha is dropped.
      const source = channels <= 2 ? p * channels : p * channels + c;
      rgb[p * 3 + c] = png.data[source] >> shift;
    }
  }
  return rgb;
}

/** Grey at 1, 2 or 4 bits: samples packed into bytes, each row starting on a byte. */
function greyBitsToRgb8(data: Uint8Array, { width, height, depth }: PngHeader): Uint8Array {
  const rowBytes = Math.ceil((width * depth) / 8);
  const scale = 255 / (2 ** depth - 1);
  const mask = 2 ** depth - 1;
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const sample = (data[y * rowBytes + (bit >> 3)] >> (8 - depth - (bit & 7))) & mask;
      rgb.fill(Math.round(sample * scale), (y * width + x) * 3, (y * width + x) * 3 + 3);
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

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
