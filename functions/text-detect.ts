/**
 * Text detection with PaddleOCR PP-OCRv4 (DB): an image in, the boxes around its text out. The
 * image comes as a base64 PNG (scaled so its longer side is at most 960 and both sides are
 * multiples of 32, as PaddleOCR does) or as the model's own tensor. Boxes are in the coordinates
 * of the image sent.
 */
import { z } from "zod";
import manifest from "../models/ppocr-det.json";
import { defineFunction } from "../src/functions/define";
import type { RgbImage } from "../src/images/png";
import { resizeBilinear, toBgrPlanar } from "../src/images/resize";
import { findTextBoxes } from "../src/images/text-boxes";
import { parseManifest } from "../src/models/manifest";
import { numbers, pngImage } from "../src/request/schema";

const MAX_SIDE = 960;
/** Per plane, in the order of the tensor's planes (as PaddleOCR applies them); the red team's target clips by them. */
export const MEAN = [0.485, 0.456, 0.406];
export const STD = [0.229, 0.224, 0.225];
const side = z.number().int().min(32).max(MAX_SIDE).multipleOf(32);
/**
 * A page: the model sees it at most 960 on its longer side, so 2048x2048 leaves room for a scan
 * or a screenshot while a 16-bit RGBA 4096x4096 (134 MB decoded) is refused before decoding.
 */
const IMAGE_BUDGET = { maxPixels: 2048 * 2048, maxDecodedBytes: 16 << 20 };

const input = z.union([
  z.object({ png: pngImage(IMAGE_BUDGET, "a PNG image, base64") }).strict(),
  z
    .object({
      height: side,
      width: side,
      tensor: numbers({
        maxLength: 3 * MAX_SIDE * MAX_SIDE,
        description: "BGR planes 3 x height x width, row-major, ImageNet-normalised",
      }),
    })
    .strict()
    .refine((t) => t.tensor.length === 3 * t.height * t.width, {
      message: "tensor must hold 3 * height * width numbers",
      path: ["tensor"],
    }),
]);

const pixels = z.number().int().min(0);
const output = z.object({
  width: pixels.describe("the width of the image sent"),
  height: pixels.describe("the height of the image sent"),
  boxes: z
    .array(
      z.object({
        x: pixels,
        y: pixels,
        width: pixels,
        height: pixels,
        score: z
          .number()
          .min(0)
          .max(1)
          .describe("the mean text probability inside the box, as the release policy gives it (default: 2 decimals)"),
      }),
    )
    .describe("axis-aligned boxes around text, in the image's pixel coordinates"),
});

export default defineFunction({
  name: "text-detect",
  description: "Boxes around the text in an image (PaddleOCR PP-OCRv4 detector)",
  // The preprocessing below, as the model's manifest names it (change both when it changes).
  preprocessing: "ppocr-det-page/1",
  model: parseManifest(manifest),
  input,
  output,
  // The heavy model: bursts of 10, then one page every 6 s.
  rateLimit: { algorithm: "token-bucket", limit: 10, refillRate: 1, window: "6 s" },
  maxBodyBytes: 16 * 1024 * 1024,
  // The boxes are the purpose; their scores serve a threshold (PaddleOCR's box_thresh is 0.6),
  // which two decimals do. The probability map is raw: OIP sends it only to infer:raw.
  release: { default: { name: "rounded", decimals: 2 }, scores: [] },
  preprocess: (request) => {
    const { tensor, height, width } = "png" in request ? pageTensor(request.png) : request;
    return [{ name: "x", datatype: "FP32", shape: [1, 3, height, width], data: tensor }];
  },
  postprocess: (outputs, request, context) => {
    const map = outputs["sigmoid_0.tmp_0"];
    const [, , height, width] = map.dims;
    const original = "png" in request ? request.png : { width, height };
    const boxes = findTextBoxes(map.data as Float32Array, width, height).map((box) => ({
      x: Math.round((box.x * original.width) / width),
      y: Math.round((box.y * original.height) / height),
      width: Math.round((box.width * original.width) / width),
      height: Math.round((box.height * original.height) / height),
      score: context.release([box.score])[0],
    }));
    return { width: original.width, height: original.height, boxes };
  },
  personalData: {
    purpose: "Finding the regions of text in documents, screenshots and photos.",
    dataSubjects: ["the caller", "people named or pictured in the images"],
    categories: ["images of pages, screens or scenes, which may show faces, names and other identifiers"],
    specialCategories: ["images may reveal any special category; the function returns text boxes only"],
  },
  auditSummary: ({ boxes }) => ({ boxes: boxes.length }),
});

function pageTensor(image: RgbImage): { tensor: Float32Array; height: number; width: number } {
  const scale = Math.min(1, MAX_SIDE / Math.max(image.width, image.height));
  const height = Math.max(32, Math.round((image.height * scale) / 32) * 32);
  const width = Math.max(32, Math.round((image.width * scale) / 32) * 32);
  return { tensor: toBgrPlanar(resizeBilinear(image, width, height), MEAN, STD), height, width };
}
