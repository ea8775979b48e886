/**
 * An operator's controls over a function, without a redeploy:
 *   - human oversight (EU AI Act Art. 14): stop it, for everyone or for one principal, and resume
 *     it; a stopped function's requests get 503 `function_stopped` and the stop's public reason;
 *   - its model versions: which of the versions it declares answers requests that name none
 *     (promote, rollback), and a canary: a stable share of principals sent to another version.
 * The state lives in one `FunctionControls` Durable Object per function (durable-object.ts); each
 * isolate reads it through a short cache (controls.ts). Every change is an admin request, so the
 * audit log records it under the operator.
 */

export interface StopRecord {
  /**
   * Who stopped: an operator, or the probing detector on reaching its ladder's last rung
   * (src/probing); either way only an operator resumes it. Absent in records from before.
   */
  source?: "operator" | "probing-detector";
  /** Why, for operators and the audit log. */
  reason: string;
  /** What callers are told (default: that an operator stopped the function). */
  publicReason: string;
  /** The operator's pseudonymous digest (src/auth/principal-digest.ts); for the detector, "probing-detector". */
  operator: string;
  /** When, in ms since the epoch. */
  at: number;
}

export interface VersionControl {
  /** The version that answers requests naming none; unset: the default the function declares. */
  default?: string;
  /** Earlier defaults, the latest last: what a rollback returns to. */
  history: string[];
  /** A share of principals (0-100 %, stable per principal) sent to another version. */
  canary?: { version: string; percent: number };
}

export interface FunctionControlState {
  /** The function is stopped for everyone. */
  stop?: StopRecord;
  /** Principals (by digest) for whom it is stopped. */
  principals: Record<string, StopRecord>;
  versions: VersionControl;
}

/** What an operator asked for, and what it changed: for the audit event of the admin request. */
export type ControlChange =
  | {
      action: "stop" | "resume";
      function: string;
      /** Present when the change is for one principal (its digest). */
      principal?: string;
      /** Whether it was stopped before. */
      wasStopped: boolean;
      reason?: string;
    }
  | {
      action: "promote" | "rollback" | "canary";
      function: string;
      /** The default before and after, and the canary after. */
      from: string;
      to: string;
      canary?: { version: string; percent: number };
      reason?: string;
    };
