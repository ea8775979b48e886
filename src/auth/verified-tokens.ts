/**
 * Tokens this isolate verified recently, so a client's next requests with the same token skip the
 * signature check (about 0.1 ms of CPU each; Envoy's jwt_authn caches the same way). An entry is
 * the exact token string, so only those very bytes, already accepted, are let through again, and
 * only while every check they passed still holds: each check is monotone in time (`exp`, `nbf`,
 * `iat`, the lifetime), so a token keeps passing them until it expires, and the entry ends there
 * at the latest (`exp` plus the clock tolerance, as jose counts it). It ends after MAX_AGE_MS
 * whatever `exp` says, which bounds how long a key dropped from the JWKS still counts here.
 * A new configuration starts a new cache (src/auth/middleware.ts).
 */
import { decodeJwt } from "jose";
import type { AuthConfig, Principal } from "./types";

const MAX_AGE_MS = 60_000;
/** Recent tokens kept, oldest dropped first: at most 2 MB of token text (MAX_TOKEN_LENGTH each). */
const MAX_ENTRIES = 256;

export interface VerifiedTokens {
  /** The principal of `token` if it was verified and still passes at `now` (ms). */
  get(token: string, now: number): Principal | undefined;
  /** Remembers a token that has just been verified at `now`. */
  add(token: string, principal: Principal, now: number): void;
}

export function verifiedTokens(config: AuthConfig): VerifiedTokens {
  const entries = new Map<string, { principal: Principal; until: number }>();
  return {
    get(token, now) {
      const entry = entries.get(token);
      if (!entry) return undefined;
      if (now < entry.until) return entry.principal;
      entries.delete(token);
      return undefined;
    },
    add(token, principal, now) {
      const { exp } = decodeJwt(token);
      if (typeof exp !== "number") return;
      const until = Math.min(now + MAX_AGE_MS, (exp + config.clockToleranceSeconds) * 1000);
      if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
      entries.set(token, { principal, until });
    },
  };
}
