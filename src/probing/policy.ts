/**
 * Defaults for the probing detector, measured on benign traffic (see README, "Robustness"): a
 * function's file may override any of them, or turn detection off (`probing: false`) where it
 * does not apply (text-detect answers boxes, not classes).
 */
import type { ProbingPolicy } from "./types";

export const DEFAULT_PROBING_POLICY: ProbingPolicy = {
  signals: { boundary: true, duplicates: true, prada: true },
  window: 200,
  minObservations: 50,
  boundaryMargin: 0.1,
  boundaryBaseline: 0.05,
  duplicateRadius: 0.1,
  duplicateShare: 0.3,
  pradaDelta: 0.8,
  ttlSeconds: 3600,
  ladder: { labelOnly: 20, refuse: 50, stop: 200 },
  watchOnlyTiers: ["redteam"],
  onMonitorFailure: "closed",
};

/** Settings a function's file may give: any field, and any part of `signals` and `ladder`. */
export type ProbingSettings = Partial<Omit<ProbingPolicy, "signals" | "ladder">> & {
  signals?: Partial<ProbingPolicy["signals"]>;
  ladder?: Partial<ProbingPolicy["ladder"]>;
};

export function probingPolicy(overrides: ProbingSettings = {}): ProbingPolicy {
  return {
    ...DEFAULT_PROBING_POLICY,
    ...overrides,
    signals: { ...DEFAULT_PROBING_POLICY.signals, ...overrides.signals },
    ladder: { ...DEFAULT_PROBING_POLICY.ladder, ...overrides.ladder },
  };
}
