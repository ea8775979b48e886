/**
 * Defaults for the probing detector, measured on benign traffic (see README, "Robustness"): a
 * function's file may override any of them, or turn detection off (`probing: false`) where it
 * does not apply (text-detect answers boxes, not classes).
 */
import type { ProbingPolicy } from "./types";

export const DEFAULT_PROBING_POLICY: ProbingPolicy = {
  window: 200,
  minObservations: 50,
  boundaryMargin: 0.1,
  boundaryBaseline: 0.05,
  duplicateRadius: 0.1,
  duplicateShare: 0.3,
  pradaDelta: 0.85,
  ttlSeconds: 3600,
  ladder: { labelOnly: 20, refuse: 50, stop: 200 },
};

export function probingPolicy(overrides: Partial<ProbingPolicy> = {}): ProbingPolicy {
  return { ...DEFAULT_PROBING_POLICY, ...overrides, ladder: { ...DEFAULT_PROBING_POLICY.ladder, ...overrides.ladder } };
}
