/**
 * Fernet's base64: url-safe (RFC 4648 §5) *with* padding, as Python's `urlsafe_b64encode` writes
 * keys and tokens. Decoding is strict (canonical text only), so one token has one spelling.
 */
import { base64url } from "../../models/base64url";

export function encodePadded(bytes: Uint8Array): string {
  const text = base64url.encode(bytes);
  return text + "=".repeat((4 - (text.length % 4)) % 4);
}

/** The bytes of `text` if it is exactly what `encodePadded` writes, else undefined. */
export function decodePadded(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9_-]*={0,2}$/.test(text)) return undefined;
  const bytes = base64url.decodeStrict(text.replace(/=+$/, ""));
  return bytes && encodePadded(bytes) === text ? bytes : undefined;
}
