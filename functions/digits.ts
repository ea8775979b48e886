/**
 * Handwritten digits with the perceptron this project trains itself (models/digits/): a 28x28
 * grey image of one digit in, the digit and the probability of each of 0-9 out. The image comes
 * as the model's own 784 grey levels or as a base64 PNG, which is reduced to 28x28 grey.
 */
import { z } from "zod";
import manifest from "../models/digits.json";
import dpManifest from "../models/digits-dp.json";
import { coarse, defineFunction } from "../src/functions/define";
import type { RgbImage } from "../src/images/png";
import { resizeBilinear } from "../src/images/resize";
import { parseManifest } from "../src/models/manifest";
import { numbers, pngImage } from "../src/request/schema";

const SIDE = 28;
const DIGITS = 10;
/** One digit: the model sees 28x28, so 512x512 is room for a drawing or a scan of one. */
const IMAGE_BUDGET = { maxPixels: 512 * 512, maxDecodedBytes: 2 << 20 };
/** ITU-R BT.601 luma: how bright each channel looks, for colour PNGs. */
const LUMA = [0.299, 0.587, 0.114];

const input = z.union([
  z
    .object({
      png: pngImage(
        IMAGE_BUDGET,
        "a PNG of one digit, base64: light on a dark background as MNIST (white ink on black; invert a " +
          "scan of dark ink on paper first), centred, about square (it is scaled to 28x28, not cropped)",
      ),
    })
    .strict(),
  z
    .object({
      pixels: numbers({
        length: SIDE * SIDE,
        min: 0,
        max: 1,
        description: "28x28 grey levels in [0, 1], row-major, as MNIST: the digit white (1) on black (0)",
      }),
    })
    .strict(),
]);

const probability = z.number().min(0).max(1);
const output = z.object({
  digit: z.number().int().min(0).max(9).describe("the most probable digit"),
  confidence: probability.describe("the probability of `digit`"),
  probabilities: z
    .array(probability)
    .length(DIGITS)
    .describe("the probability of each digit, 0 to 9, as the release policy gives them (default: 2 decimals)"),
});

export default defineFunction({
  name: "digits",
  description: "Which digit 0-9 a 28x28 image of one handwritten digit shows (a perceptron trained here on MNIST)",
  // The preprocessing below, as the model's manifest names it (change both when it changes).
  preprocessing: "digits-28x28-grey/1",
  model: parseManifest(manifest),
  // The same network trained with differential privacy: /v2/models/digits/versions/dp.
  versions: [parseManifest(dpManifest)],
  input,
  output,
  // A digit costs about 50,000 multiply-adds; an OIP batch of 64 counts 64.
  rateLimit: { limit: 1200, window: "1 m" },
  maxBodyBytes: 2 * 1024 * 1024,
  // A reader needs the digit and a confidence to ask again below a threshold; two decimals serve
  // that, and show a runner-up (a 4 that may be a 9) without the precision a surrogate model wants.
  release: { default: { name: "rounded", decimals: 2 }, scores: ["probabilities"] },
  preprocess: (request) => [
    {
      name: "x",
      datatype: "FP32",
      shape: [1, SIDE * SIDE],
      data: "png" in request ? greyLevels(request.png) : request.pixels,
    },
  ],
  postprocess: (outputs) => {
    // Released by the policy: the digit and confidence say no more than the probabilities.
    const probabilities = Array.from(outputs.probabilities.data as Float64Array);
    const confidence = Math.max(...probabilities);
    return { digit: probabilities.indexOf(confidence), confidence, probabilities };
  },
  personalData: {
    purpose: "Reading one handwritten digit the caller sends (a test and demonstration function).",
    dataSubjects: ["the caller", "whoever wrote the digit"],
    categories: ["an image of one handwritten digit (28x28 grey levels or a PNG)"],
    specialCategories: [],
  },
  auditSummary: ({ digit, confidence }) => ({ digit, confidence: coarse(confidence) }),
});

/**
 * 28x28 grey levels in [0, 1]. Large images are halved first, since bilinear resampling reads
 * only 4 pixels per output pixel and would skip thin strokes; halving at exactly 2x averages each
 * 2x2 block, so every pixel counts.
 */
function greyLevels(image: RgbImage): Float32Array {
  let resized = image;
  while (resized.width >= 2 * SIDE && resized.height >= 2 * SIDE)
    resized = resizeBilinear(resized, Math.floor(resized.width / 2), Math.floor(resized.height / 2));
  resized = resizeBilinear(resized, SIDE, SIDE);
  const grey = new Float32Array(SIDE * SIDE);
  for (let p = 0; p < grey.length; p++) {
    const [r, g, b] = resized.rgb.subarray(p * 3, p * 3 + 3);
    grey[p] = (LUMA[0] * r + LUMA[1] * g + LUMA[2] * b) / 255;
  }
  return grey;
}
