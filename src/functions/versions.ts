/**
 * A function as it answers for one of its model versions: the same function with that version as
 * its `model`, so inference, the audit event, sealed state and the OIP answer all name the
 * version that answered.
 */
import type { InferenceFunction } from "./define";

/** `fn` serving `version`, or undefined when it serves no such version. */
export function atModelVersion(fn: InferenceFunction, version: string): InferenceFunction | undefined {
  const model = fn.versions.find((m) => m.version === version);
  return model && { ...fn, model };
}
