/** What `npm start` (tools/start.ts) and the worker's drain control (control.ts) agree on. */
export const DRAIN_PATH = "/_local/drain";
/** How long the worker waits for requests in flight and for the audit log, in all. */
export const DRAIN_TIMEOUT_MS = 10_000;

export interface DrainOutcome {
  /** Every request in flight was answered and its audit event sent. */
  requestsSettled: boolean;
  /** The writer saw the drain marker, so the events queued before it are in the log. */
  auditWritten: boolean | "off";
}
