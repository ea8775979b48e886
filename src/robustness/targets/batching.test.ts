import { describe, expect, it } from "vitest";
import type { Classifier } from "../attacks/types";
import { batchingClassifier } from "./batching";

describe("merging concurrent queries into batches", () => {
  it("sends the queries made in one turn together, in batches of at most maxBatch, and answers each caller", async () => {
    const calls: number[] = [];
    const target: Classifier = {
      inputShape: [1],
      clip: [0, 10],
      nbClasses: 1,
      predict: async (batch) => {
        calls.push(batch.length);
        return batch.map((x) => Float32Array.of(x[0] * 2));
      },
    };
    const batching = batchingClassifier(target, 4);
    const asks = [[1], [2, 3], [4, 5, 6], [7]].map((values) => batching.predict(values.map((v) => Float32Array.of(v))));
    const answers = await Promise.all(asks);
    expect(answers.map((a) => a.map((s) => s[0]))).toEqual([[2], [4, 6], [8, 10, 12], [14]]);
    expect(calls).toEqual([4, 3]);
  });

  it("fails every caller of a batch that failed", async () => {
    const target: Classifier = {
      inputShape: [1],
      clip: [0, 1],
      nbClasses: 1,
      predict: () => Promise.reject(new Error("503")),
    };
    const batching = batchingClassifier(target, 8);
    const results = await Promise.allSettled([
      batching.predict([new Float32Array(1)]),
      batching.predict([new Float32Array(1)]),
    ]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  });
});
