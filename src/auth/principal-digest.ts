/**
 * A principal as a name others may store or bind to: SHA-256 over the JSON of (tenant, subject),
 * base64url. JSON keeps the fields apart whatever they contain (tenant "a:b" with subject "c" is
 * not tenant "a" with subject "b:c"), and the digest keeps subjects out of what holds it (rate
 * limit counters in Redis, sealed state given to clients).
 */
import { base64url } from "../models/base64url";
import type { Principal } from "./types";

/**
 * A request asks for its principal's digest several times (its rate limit, the probing watch,
 * sealed state), and a client sends many requests: recent digests are kept in the isolate, at
 * most CACHED of them, and none for names longer than CACHED_NAME_LENGTH (about 1 MB at most).
 */
const CACHED = 1024;
const CACHED_NAME_LENGTH = 512;
const recent = new Map<string, Promise<string>>();

export function principalDigest({ tenant, subject }: Principal): Promise<string> {
  const json = JSON.stringify([tenant ?? null, subject]);
  const known = recent.get(json);
  if (known) return known;
  const digest = sha256(json);
  if (json.length <= CACHED_NAME_LENGTH) {
    if (recent.size >= CACHED) recent.clear();
    recent.set(json, digest);
  }
  return digest;
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return base64url.encode(new Uint8Array(digest));
}
