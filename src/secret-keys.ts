/**
 * Secrets that are keys (AUDIT_PEPPER, AUDIT_SIGNING_KEY, STATE_KEY): strict base64url of at least
 * 32 bytes. They are checked before anything is served, so a broken one closes the routes that
 * need it instead of failing on the requests that use it.
 */
import { base64url } from "./models/base64url";

/** The key length HMAC-SHA256 needs for its full strength (RFC 2104: at least the output size); AES-256's. */
const MIN_BYTES = 32;

/** The last value checked per secret, and its verdict: the check runs on every request. */
const checked = new Map<string, { value: string; problem: string | undefined }>();

/** A fresh key secret: 32 random bytes, base64url, as `secretKeyProblem` accepts. */
export const generateSecretKey = () => base64url.encode(crypto.getRandomValues(new Uint8Array(MIN_BYTES)));

/** What is wrong with the value of secret `name` (never the value itself), or undefined. */
export function secretKeyProblem(name: string, value: string): string | undefined {
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
