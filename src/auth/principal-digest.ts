/**
 * A principal as a name others may store or bind to: SHA-256 over the JSON of (tenant, subject),
 * base64url. JSON keeps the fields apart whatever they contain (tenant "a:b" with subject "c" is
 * not tenant "a" with subject "b:c"), and the digest keeps subjects out of what holds it (rate
 * limit counters in Redis, sealed state given to clients).
 */
import { base64url } from "../models/base64url";
import type { Principal } from "./types";

export async function principalDigest({ tenant, subject }: Principal): Promise<string> {
  const json = JSON.stringify([tenant ?? null, subject]);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(json));
  return base64url.encode(new Uint8Array(digest));
}
