/**
 * The audit log in one page.
 *
 * Every request to a protected endpoint, whatever its outcome, yields exactly one `AuditEvent`
 * (`event.ts`, built by `middleware.ts` after the response is ready and sent to the queue
 * `AUDIT_QUEUE` in `waitUntil`, so it adds no latency). The queue consumer (`consumer.ts`) hands
 * batches to one `AuditLog` Durable Object (`log.ts`), the single writer: it drops events it has
 * already written (delivery is at-least-once) and appends the rest to R2 (`AUDIT_BUCKET`) as NDJSON
 * objects partitioned by date and hour. Each object starts with a header that chains it to its
 * predecessor by SHA-256 and is MACed with `AUDIT_SIGNING_KEY` (`chain.ts`), so `npm run audit --
 * verify` can tell a modified, deleted, inserted or reordered object. Batches that keep failing
 * go to a dead-letter queue whose consumer stores them apart, under `audit-dead-letter/`.
 *
 * Privacy: no raw input and no subject is stored. The subject becomes a pseudonym and the input a
 * digest, both HMAC-SHA256 under the subject's own key (src/privacy/subjects), so erasing that key
 * makes every event of theirs unlinkable to them (crypto-shredding); IP addresses are truncated.
 */

import type { ControlChange } from "../governance/controls/types";

export const AUDIT_SCHEMA = "bastion.audit/1";

export const AUDIT_OUTCOMES = [
  "served",
  "invalid_token",
  "forbidden",
  "rate_limited",
  "invalid_input",
  "client_closed",
  "not_found",
  "model_unavailable",
  "unavailable",
  "internal_error",
] as const;

export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

export interface AuditEvent {
  schema: typeof AUDIT_SCHEMA;
  /** Unique per event; the log is deduplicated by it. */
  id: string;
  /** ISO 8601, when the request arrived. */
  time: string;
  requestId: string;
  method: string;
  /** The route matched (`/v1/functions/:name`), not the raw path. */
  route: string;
  function?: string;
  /** The model that answered: `sha256` pins its source, `variant` names the served form of it (models/*.json). */
  model?: { id: string; version: string; sha256: string; variant?: string; kid?: string };
  outcome: AuditOutcome;
  status: number;
  /** The error code of the response, when it is an error. */
  errorCode?: string;
  latencyMs: number;
  principal?: {
    /**
     * HMAC-SHA256 under the subject's key (src/privacy/subjects/pseudonym.ts), hex. Absent only when
     * the key store could not be reached (logged as `audit_subject_key_unavailable`).
     */
    pseudonym?: string;
    clientId?: string;
    tenant?: string;
    tier: string;
  };
  network: {
    /** IPv4 to /24, IPv6 to /48. */
    ip?: string;
    country?: string;
  };
  /** HMAC-SHA256 under the subject's key of the canonical input tensors, hex; never the input itself. */
  inputDigest?: string;
  /** What the function chose to log of its output (e.g. top label and confidence). */
  output?: Record<string, string | number | boolean>;
  /**
   * The release policy of an inference request (src/release): its name, version and parameters,
   * and the raw OIP outputs released to a caller holding `infer:raw`.
   */
  release?: { name: string; version: number; params: Record<string, number>; rawOutputs?: string[] };
  /** The probing detector's verdict on the caller after this request (src/probing), when watched. */
  probing?: { level: string; strikes: number; signals: string[] };
  /** Which input fields arrived Fernet-sealed and whether the answer was sealed; never a token or its plaintext. */
  sealed?: { fields: string[]; response: boolean };
  /** An operator's erasure of a subject's key: whether there was one (never whose it was). */
  erasure?: { keyFound: boolean };
  /** An operator's stop or resume of a function, for everyone or one principal (by digest), and why. */
  control?: ControlChange;
  rateLimits: {
    scope: "ip" | "principal" | "reads";
    /** `upstash`, `durable-object`, or `rate-limiting-binding` (which tells `remaining` only when it refuses: 0). */
    backend: string;
    allowed: boolean;
    remaining?: number;
    outcome: string;
  }[];
}
