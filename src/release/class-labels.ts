/**
 * `label-only`, ART's ClassLabels: the one-hot vector of the top class (the first of equal
 * scores, as `np.argmax`), and for a single output (a sigmoid), 1 above 0.5 and 0 otherwise.
 * (ART sets `class_labels[:, argmax of every row] = 1`, which marks every row of a batch with
 * every row's top class; here each row gets its own, as a batch of one gets in ART.)
 */
import { z } from "zod";
import { definePostprocessor } from "./types";
import { argmax } from "./vector";

export const classLabels = definePostprocessor({
  name: "label-only",
  version: 1,
  params: z.object({}).strict(),
  apply: (scores) => {
    if (scores.length === 1) return [scores[0] > 0.5 ? 1 : 0];
    const top = argmax(scores);
    return scores.map((_, i) => (i === top ? 1 : 0));
  },
});
