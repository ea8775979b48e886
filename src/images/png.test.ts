/**
 * The PNG decoder's budget against hostile files (decompression bombs in the image data and in
 * ancillary chunks, truncation, lying headers) and, for honest files, equality with what was
 * encoded, across colour types, bit depths and interlacing.
 */
import { deflateSync } from "node:zlib";
import { encode } from "fast-png";
import { describe, expect, it } from "vitest";
import { ihdr, PNG_SIGNATURE, pngBomb, pngChunk } from "../../test/images";
import { InvalidInput } from "../errors";
import { decodePng, inflatedSize } from "./png";

const roomy = { maxPixels: 4096 * 4096, maxDecodedBytes: 1 << 30 };

function refusal(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidInput) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("accepted");
}

describe("decompression bombs", () => {
  it("refuses a 1x1 image whose data inflates to 64 MB (npm run bench times the refusal)", () => {
    const bomb = pngBomb(64 << 20);
    expect(bomb.length).toBeLessThan(100_000);
    expect(refusal(() => decodePng(bomb, roomy))).toEqual({
      code: "invalid_image",
      message: "PNG image data inflates beyond the size its header declares",
    });
  });

  it("ignores an iCCP profile that would inflate to 64 MB (ancillary chunks are never inflated)", () => {
    const image = Buffer.from(encode({ width: 2, height: 1, data: new Uint8Array(6).fill(7), channels: 3, depth: 8 }));
    const profile = Buffer.concat([Buffer.from("evil\0\0"), deflateSync(Buffer.alloc(64 << 20))]);
    const withProfile = Buffer.concat([image.subarray(0, 33), pngChunk("iCCP", profile), image.subarray(33)]);
    expect(decodePng(withProfile, roomy)).toEqual({ width: 2, height: 1, rgb: new Uint8Array(6).fill(7) });
  });

  it("refuses image data shorter than its header declares, and data that is not zlib", () => {
    const short = Buffer.concat([
      PNG_SIGNATURE,
      ihdr(10, 10),
      pngChunk("IDAT", deflateSync(Buffer.alloc(100))),
      pngChunk("IEND"),
    ]);
    expect(refusal(() => decodePng(short, roomy)).message).toBe("PNG image data is shorter than its header declares");
    const garbage = Buffer.concat([
      PNG_SIGNATURE,
      ihdr(1, 1),
      pngChunk("IDAT", Buffer.from("garbage!")),
      pngChunk("IEND"),
    ]);
    expect(refusal(() => decodePng(garbage, roomy)).message).toBe("PNG image data is not valid zlib data");
  });
});

describe("budgets", () => {
  it("refuses more pixels or more decoded bytes than the budget, before decoding", () => {
    // 4096x4096 16-bit RGBA: 134 MB decoded, declared by a header alone.
    const huge = Buffer.concat([PNG_SIGNATURE, ihdr(4096, 4096, 16, 6), pngChunk("IEND")]);
    expect(refusal(() => decodePng(huge, { maxPixels: 2048 * 2048, maxDecodedBytes: 16 << 20 }))).toMatchObject({
      code: "image_too_large",
      message: "PNG is 4096x4096; at most 4194304 pixels are accepted",
    });
    expect(refusal(() => decodePng(huge, { maxPixels: 4096 * 4096, maxDecodedBytes: 16 << 20 }))).toMatchObject({
      code: "image_too_large",
      message: expect.stringContaining("134217728 bytes decoded, at most 16777216"),
    });
  });
});

describe("malformed files", () => {
  it.each([
    ["not a PNG", Buffer.from("GIF89a......"), "not a PNG file"],
    ["no IEND", Buffer.concat([PNG_SIGNATURE, ihdr(1, 1)]), "PNG ends before its IEND chunk"],
    [
      "a chunk longer than the file",
      Buffer.concat([PNG_SIGNATURE, ihdr(1, 1).subarray(0, 20)]),
      'PNG chunk "IHDR" runs past the end of the file',
    ],
    [
      "IDAT before IHDR",
      Buffer.concat([PNG_SIGNATURE, pngChunk("IDAT"), pngChunk("IEND")]),
      "PNG does not start with its IHDR chunk",
    ],
    ["no image data", Buffer.concat([PNG_SIGNATURE, ihdr(1, 1), pngChunk("IEND")]), "PNG has no image data"],
    ["zero width", Buffer.concat([PNG_SIGNATURE, ihdr(0, 1), pngChunk("IEND")]), "PNG has no pixels"],
    [
      "RGB at 4 bits",
      Buffer.concat([PNG_SIGNATURE, ihdr(1, 1, 4, 2), pngChunk("IEND")]),
      "PNG has an invalid colour type 2 with bit depth 4",
    ],
    [
      "interlace method 2",
      Buffer.concat([PNG_SIGNATURE, ihdr(1, 1, 8, 2, 2), pngChunk("IEND")]),
      "PNG uses an unknown compression, filter or interlace method",
    ],
  ])("%s", (_, file, message) => {
    expect(refusal(() => decodePng(file, roomy))).toEqual({ code: "invalid_image", message });
  });

  it("refuses a file whose chunk CRC is wrong", () => {
    const png = Buffer.from(encode({ width: 2, height: 2, data: new Uint8Array(12), channels: 3, depth: 8 }));
    png[png.length - 20] ^= 0xff; // inside the IDAT's CRC or data
    expect(refusal(() => decodePng(png, roomy)).code).toBe("invalid_image");
  });
});

describe("honest files", () => {
  const width = 13;
  const height = 7;
  const rgb = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 37) % 256);

  it.each([
    ["RGB 8-bit", 3, 8],
    ["RGBA 8-bit", 4, 8],
    ["grey 8-bit", 1, 8],
    ["grey+alpha 8-bit", 2, 8],
    ["RGB 16-bit", 3, 16],
  ])("%s decodes to the RGB that was encoded", (_, channels, depth) => {
    const samples = new (depth === 16 ? Uint16Array : Uint8Array)(width * height * channels);
    const expected = new Uint8Array(width * height * 3);
    for (let p = 0; p < width * height; p++) {
      for (let c = 0; c < channels; c++) {
        const value = rgb[p * 3 + Math.min(c, 2)];
        samples[p * channels + c] = depth === 16 ? value * 257 : value;
      }
      for (let c = 0; c < 3; c++) expected[p * 3 + c] = channels <= 2 ? rgb[p * 3] : rgb[p * 3 + c];
    }
    const png = encode({ width, height, data: samples, channels, depth: depth as 8 | 16 });
    expect(decodePng(png, roomy)).toEqual({ width, height, rgb: expected });
  });

  it.each([1, 2, 4])("grey at %i bits (samples packed into bytes) decodes to its levels", (depth) => {
    const levels = 2 ** depth;
    const rowBytes = Math.ceil((width * depth) / 8);
    const packed = new Uint8Array(rowBytes * height);
    const expected = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const sample = (x + y) % levels;
        const bit = x * depth;
        packed[y * rowBytes + (bit >> 3)] |= sample << (8 - depth - (bit % 8));
        expected.fill(Math.round((sample * 255) / (levels - 1)), (y * width + x) * 3, (y * width + x) * 3 + 3);
      }
    }
    const png = encode({ width, height, data: packed, channels: 1, depth: depth as 1 | 2 | 4 });
    expect(decodePng(png, roomy)).toEqual({ width, height, rgb: expected });
  });

  it("an indexed image decodes through its palette; an RGB image's suggested palette is ignored", () => {
    const palette = [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
    ];
    const indices = Uint8Array.from({ length: width * height }, (_, i) => i % 3);
    const indexed = encode({ width, height, data: indices, channels: 1, depth: 8, palette });
    const expected = Uint8Array.from(Array.from(indices).flatMap((i) => palette[i]));
    expect(decodePng(indexed, roomy)).toEqual({ width, height, rgb: expected });

    const rgbPng = Buffer.from(encode({ width, height, data: rgb, channels: 3, depth: 8 }));
    const suggested = pngChunk("PLTE", Uint8Array.from(palette.flat()));
    const withPalette = Buffer.concat([rgbPng.subarray(0, 33), suggested, rgbPng.subarray(33)]);
    expect(decodePng(withPalette, roomy)).toEqual({ width, height, rgb });
    const emptyPalette = Buffer.concat([rgbPng.subarray(0, 33), pngChunk("PLTE"), rgbPng.subarray(33)]);
    expect(decodePng(emptyPalette, roomy)).toEqual({ width, height, rgb });
  });

  it("refuses an indexed image without a palette, with an empty one, or with an index past its end", () => {
    const indices = Uint8Array.from({ length: width * height }, (_, i) => i % 3);
    const indexed = Buffer.from(
      encode({
        width,
        height,
        data: indices,
        channels: 1,
        depth: 8,
        palette: [
          [1, 2, 3],
          [4, 5, 6],
          [7, 8, 9],
        ],
      }),
    );
    const chunks: { type: string; whole: Buffer }[] = [];
    for (let at = 8; at < indexed.length; ) {
      const length = indexed.readUInt32BE(at);
      chunks.push({ type: indexed.toString("latin1", at + 4, at + 8), whole: indexed.subarray(at, at + 12 + length) });
      at += 12 + length;
    }
    const without = (type: string, replacement?: Buffer) =>
      Buffer.concat([
        PNG_SIGNATURE,
        ...chunks.flatMap((c) => (c.type === type ? (replacement ? [replacement] : []) : [c.whole])),
      ]);
    expect(refusal(() => decodePng(without("PLTE"), roomy)).message).toBe("PNG is indexed but has no palette");
    expect(refusal(() => decodePng(without("PLTE", pngChunk("PLTE")), roomy)).message).toBe(
      "PNG has a palette of the wrong size",
    );
    const short = pngChunk("PLTE", Uint8Array.from([1, 2, 3, 4, 5, 6]));
    expect(refusal(() => decodePng(without("PLTE", short), roomy)).message).toBe("PNG could not be decoded");
  });

  it("knows the inflated size of interlaced images pass by pass", () => {
    // Adam7 on 13x7 RGB 8-bit: passes of 2x1, 2x1, 4x1, 3x2, 7x2, 6x4 and 13x3 pixels.
    const passes = [
      [2, 1],
      [2, 1],
      [4, 1],
      [3, 2],
      [7, 2],
      [6, 4],
      [13, 3],
    ];
    const expected = passes.reduce((sum, [w, h]) => sum + h * (1 + w * 3), 0);
    expect(inflatedSize({ width, height, depth: 8, colorType: 2, interlaced: true })).toBe(expected);
    expect(inflatedSize({ width, height, depth: 8, colorType: 2, interlaced: false })).toBe(height * (1 + width * 3));
    expect(inflatedSize({ width: 9, height: 1, depth: 1, colorType: 0, interlaced: false })).toBe(1 + 2);
  });
});
