/**
 * A target that remembers every query and its answer, in order: the trace an attack leaves at the
 * server, for replaying through the probing detector (src/probing/replay.ts).
 */
import type { Classifier } from "../attacks/types";

export interface RecordingClassifier extends Classifier {
  readonly trace: { input: Float32Array; scores: Float32Array }[];
}

export function recordingClassifier(target: Classifier): RecordingClassifier {
  const trace: RecordingClassifier["trace"] = [];
  return {
    inputShape: target.inputShape,
    clip: target.clip,
    layout: target.layout,
    nbClasses: target.nbClasses,
    labelOf: target.labelOf,
    trace,
    async predict(batch) {
      const scores = await target.predict(batch);
      for (const [i, input] of batch.entries()) trace.push({ input: Float32Array.from(input), scores: scores[i] });
      return scores;
    },
  };
}
