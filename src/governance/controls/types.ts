/**
 * Human oversight of a function (EU AI Act Art. 14): an operator can stop it, for everyone or for
 * one principal, and resume it. The state lives in one `FunctionControls` Durable Object per
 * function (durable-object.ts); each isolate reads it through a short cache (controls.ts) and
 * refuses a stopped function's requests with 503 `function_stopped` and the stop's public reason.
 * Every stop and resume is an admin request, so the audit log records it under the operator.
 */

export interface StopRecord {
  /** Why, for operators and the audit log. */
  reason: string;
  /** What callers are told (default: that an operator stopped the function). */
  publicReason: string;
  /** The operator's pseudonymous digest (src/auth/principal-digest.ts). */
  operator: string;
  /** When, in ms since the epoch. */
  at: number;
}

export interface FunctionControlState {
  /** The function is stopped for everyone. */
  stop?: StopRecord;
  /** Principals (by digest) for whom it is stopped. */
  principals: Record<string, StopRecord>;
}

/** What an operator asked for, and what it changed: for the audit event of the admin request. */
export interface ControlChange {
  action: "stop" | "resume";
  function: string;
  /** Present when the change is for one principal (its digest). */
  principal?: string;
  /** Whether it was stopped before. */
  wasStopped: boolean;
  reason?: string;
}
