/**
 * Text-line orientation with PaddleOCR's mobile direction classifier: a cropped line of text in,
 * `0` (upright) or `180` (upside down) with its confidence out. The image comes either as a base64
 * PNG, resized and normalised as PaddleOCR does, or as the model's own 3x48x192 tensor.
 */
import { z } from "zod";
import manifest from "../models/ppocr-cls.json";
import { coarse, defineFunction } from "../src/functions/define";
import type { RgbImage } from "../src/images/png";
import { resizeBilinear, toBgrPlanar } from "../src/images/resize";
import { parseManifest } from "../src/models/manifest";
import { numbers, pngImage } from "../src/request/schema";

const HEIGHT = 48;
const WIDTH = 192;
const LABELS = ["0", "180"] as const;
/** A cropped line of text: the model sees it at 48 pixels high, so 1 MP is ample (e.g. 256x4096). */
const IMAGE_BUDGET = { maxPixels: 1 << 20, maxDecodedBytes: 4 << 20 };

const input = z.union([
  z.object({ png: pngImage(IMAGE_BUDGET, "a PNG of one line of text, base64") }).strict(),
  z
    .object({
      tensor: numbers({
        length: 3 * HEIGHT * WIDTH,
        description: "the model input: BGR planes 3x48x192, row-major, normalised to [-1, 1]",
      }),
    })
    .strict(),
]);

const probability = z.number().min(0).max(1);
const output = z.object({
  label: z.enum(LABELS).describe("the line's rotation in degrees: 0 upright, 180 upside down"),
  confidence: probability.describe("the probability of `label`"),
  probabilities: z
    .object({ [LABELS[0]]: probability, [LABELS[1]]: probability })
    .describe("both, as the release policy gives them (default: 2 decimals)"),
});

export default defineFunction({
  name: "text-orientation",
  description: "Whether a line of text is upright (0) or upside down (180) (PaddleOCR direction classifier)",
  // The preprocessing below, as the model's manifest names it (change both when it changes).
  preprocessing: "ppocr-cls-line/1",
  model: parseManifest(manifest),
  input,
  output,
  rateLimit: { limit: 300, window: "1 m" },
  maxBodyBytes: 2 * 1024 * 1024,
  // PaddleOCR turns a line over when the label is 180 with a score above its cls_thresh, 0.9:
  // the label and two decimals serve that, and any threshold a caller might choose.
  release: { default: { name: "rounded", decimals: 2 }, scores: ["softmax_0.tmp_0"] },
  preprocess: (request) => [
    {
      name: "x",
      datatype: "FP32",
      shape: [1, 3, HEIGHT, WIDTH],
      data: "png" in request ? lineTensor(request.png) : request.tensor,
    },
  ],
  postprocess: (outputs) => {
    // Released by the policy: the label and confidence say no more than the probabilities.
    const [upright, upsideDown] = outputs["softmax_0.tmp_0"].data as Float64Array;
    const best = upsideDown > upright ? 1 : 0;
    return {
      label: LABELS[best],
      confidence: best ? upsideDown : upright,
      probabilities: { [LABELS[0]]: upright, [LABELS[1]]: upsideDown },
    };
  },
  personalData: {
    purpose: "Telling whether a cropped line of text is upright or upside down.",
    dataSubjects: ["the caller", "people named or pictured in the documents the lines come from"],
    categories: ["images of single lines of text, which may contain names, addresses or other identifiers"],
    specialCategories: ["documents may reveal any special category (health, beliefs); the function reads no text"],
  },
  auditSummary: ({ label, confidence }) => ({ label, confidence: coarse(confidence) }),
});

/** PaddleOCR's `resize_norm_img`: keep the aspect ratio at height 48, pad the width to 192. */
export function lineTensor(image: RgbImage): Float32Array {
  const width = Math.min(WIDTH, Math.max(1, Math.ceil((HEIGHT * image.width) / image.height)));
  const resized = resizeBilinear(image, width, HEIGHT);
  return toBgrPlanar(resized, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5], WIDTH);
}
