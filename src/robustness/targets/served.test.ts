/** The red team's batches must fit each function's body limit, or a long attack dies on a 413 midway. */
import { describe, expect, it } from "vitest";
import { functions } from "../../../functions";
import type { ModelMetadata } from "../../client";
import { servedModel } from "./served";

describe("servedModel's batch bounds", () => {
  it.each(["digits", "text-orientation", "vad"])("a full batch of %s fits its maxBodyBytes", (name) => {
    const fn = functions.find((f) => f.name === name);
    if (!fn) throw new Error(`no function ${name}`);
    const { inputs, outputs } = fn.model.signature;
    const metadata = {
      name,
      inputs: inputs.map((i) => ({ ...i, shape: i.shape.map((d) => (typeof d === "number" ? d : -1)) })),
      outputs: outputs.map((o) => ({ ...o, shape: [] })),
    } as unknown as ModelMetadata;
    const served = servedModel(metadata);
    const size = served.inputShape.reduce((a, b) => a * b, 1);
    const request = served.request(Array.from({ length: served.maxBatch }, () => new Float32Array(size)));
    // Binary tensors: 4 bytes a number, plus the JSON header (well under 1 KB a tensor).
    const bytes = request.inputs.reduce((sum, t) => sum + 4 * (t.data as ArrayLike<unknown>).length + 1024, 0);
    expect(bytes).toBeLessThanOrEqual(fn.maxBodyBytes);
  });
});
