/**
 * The examples to attack, as the command line reads them: a JSON array of
 * `{"data": [...numbers], "label": k}`, each `data` one input, flat and row-major; `label` the
 * true class (optional: without it the model's own prediction stands in).
 */
import { z } from "zod";
import type { Example } from "./run";

const examplesSchema = z
  .array(
    z.object({
      data: z.array(z.number()).min(1),
      label: z.number().int().nonnegative().optional(),
    }),
  )
  .min(1);

export function parseExamples(json: unknown, inputSize: number, samples?: number): Example[] {
  const parsed = examplesSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.map((key) => (typeof key === "number" ? `[${key}]` : `.${String(key)}`)).join("");
    throw new Error(`inputs${where}: ${issue.message}`);
  }
  const chosen = parsed.data.slice(0, samples ?? parsed.data.length);
  return chosen.map(({ data, label }, i) => {
    if (data.length !== inputSize)
      throw new Error(`inputs[${i}].data has ${data.length} numbers; the model takes ${inputSize}`);
    return { data: Float32Array.from(data), label };
  });
}
