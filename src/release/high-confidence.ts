/**
 * `high-confidence`, ART's HighConfidence: scores below `cutoff` (default 0.25) are set to 0, the
 * others kept as they are; nothing is renormalised (ART does not).
 */
import { z } from "zod";
import { definePostprocessor } from "./types";

export const highConfidence = definePostprocessor({
  name: "high-confidence",
  version: 1,
  // ART requires a positive cutoff; above 1 it would release only zeros.
  params: z.object({ cutoff: z.number().gt(0).max(1).default(0.25) }).strict(),
  apply: (scores, { cutoff }) => scores.map((x) => (x < cutoff ? 0 : x)),
});
