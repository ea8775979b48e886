/**
 * The audit secrets (AUDIT_PEPPER, AUDIT_SIGNING_KEY) are HMAC-SHA256 keys: strict base64url of at
 * least 32 bytes. They are checked before anything is served, so a broken one closes the protected
 * routes instead of serving with events that are never built or never written.
 */
import { base64url } from "../models/base64url";

export const AUDIT_SECRETS = ["AUDIT_PEPPER", "AUDIT_SIGNING_KEY"] as const;
export type AuditSecret = (typeof AUDIT_SECRETS)[number];

/** The key length HMAC-SHA256 needs for its full strength (RFC 2104: at least the output size). */
const MIN_BYTES = 32;

/** The last value checked per secret, and its verdict: the check runs on every request. */
const checked = new Map<AuditSecret, { value: string; problem: string | undefined }>();

/** What is wrong with the value of secret `name` (never the value itself), or undefined. */
export function auditSecretProblem(name: AuditSecret, value: string): string | undefined {
  const last = checked.get(name);
  if (last?.value === value) return last.problem;
  const bytes = base64url.decodeStrict(value);
  const problem = !bytes
    ? "is not base64url (RFC 4648 §5, unpadded)"
    : bytes.length < MIN_BYTES
      ? `is shorter than ${MIN_BYTES} bytes`
      : undefined;
  checked.set(name, { value, problem });
  return problem;
}
