/**
 * Merges the queries that concurrent examples make in the same turn of the event loop into as few
 * target calls as possible (up to `maxBatch` inputs each): over HTTP, one OIP request carries the
 * next query of every example in flight. Each caller gets back exactly its own scores.
 */
import type { Batch, Classifier } from "../attacks/types";

interface Pending {
  batch: Batch;
  resolve: (scores: Float32Array[]) => void;
  reject: (error: unknown) => void;
}

export function batchingClassifier(target: Classifier, maxBatch: number): Classifier {
  let pending: Pending[] = [];

  const flush = async () => {
    const waiting = pending;
    pending = [];
    const inputs = waiting.flatMap((p) => p.batch);
    try {
      const scores: Float32Array[] = [];
      for (let start = 0; start < inputs.length; start += maxBatch) {
        scores.push(...(await target.predict(inputs.slice(start, start + maxBatch))));
      }
      let offset = 0;
      for (const p of waiting) {
        p.resolve(scores.slice(offset, offset + p.batch.length));
        offset += p.batch.length;
      }
    } catch (error) {
      for (const p of waiting) p.reject(error);
    }
  };

  return {
    ...target,
    labelOf: target.labelOf?.bind(target),
    predict: (batch) =>
      new Promise((resolve, reject) => {
        // setImmediate runs after every microtask: all examples resumed by the last answer have asked by then.
        if (pending.length === 0) setImmediate(flush);
        pending.push({ batch, resolve, reject });
      }),
  };
}
