/**
 * The keys tokens are verified with: the identity provider's JWKS (remote, with jose's cache and
 * refetch-on-unknown-kid cooldown; or inline), and a shared HMAC secret only where configured.
 *
 * One addition to jose's remote set: when the JWKS endpoint is down, the keys already held keep
 * verifying (jose alone would fail every request once its cache ages out), and for a cooldown
 * the endpoint is not asked again, so an outage does not add a timeout to every request.
 * With no keys held at all, verification fails closed with 503.
 */
import { createLocalJWKSet, createRemoteJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import { AuthNotConfigured, AuthUnavailable } from "../errors";
import type { AuthConfig } from "./types";

const JWKS_FETCH_TIMEOUT_MS = 3000;

/** jose errors that mean "this token's key is not among the trusted ones", not "the source failed". */
const KEY_SELECTION_ERRORS = new Set([
  errors.JWKSNoMatchingKey.code,
  errors.JWKSMultipleMatchingKeys.code,
  errors.JOSENotSupported.code,
  errors.JWKInvalid.code,
  errors.JOSEAlgNotAllowed.code,
]);

export function createKeyResolver(config: AuthConfig): JWTVerifyGetKey {
  const hmac = config.hmacSecret ? new TextEncoder().encode(config.hmacSecret) : undefined;
  const asymmetric =
    config.keySource.kind === "remote" ? resilientRemoteJwks(config.keySource) : inlineJwks(config.keySource.jwks);
  return async (header, token) => {
    if (header.alg?.startsWith("HS")) {
      if (!hmac) throw new errors.JOSEAlgNotAllowed("HMAC is not configured");
      return hmac;
    }
    return asymmetric(header, token);
  };
}

function inlineJwks(json: string): JWTVerifyGetKey {
  try {
    return createLocalJWKSet(JSON.parse(json) as JSONWebKeySet);
  } catch {
    throw new AuthNotConfigured("JWT_JWKS is not a JSON Web Key Set");
  }
}

function resilientRemoteJwks(source: { url: URL; cooldownMs: number; cacheMaxAgeMs: number }): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(source.url, {
    cooldownDuration: source.cooldownMs,
    cacheMaxAge: source.cacheMaxAgeMs,
    timeoutDuration: JWKS_FETCH_TIMEOUT_MS,
  });
  let failedAt = Number.NEGATIVE_INFINITY;
  let held: { json: string; resolve: JWTVerifyGetKey } | undefined;
  const heldKeys = (): JWTVerifyGetKey | undefined => {
    const jwks = remote.jwks();
    if (!jwks) return undefined;
    const json = JSON.stringify(jwks);
    if (held?.json !== json) held = { json, resolve: createLocalJWKSet(jwks) };
    return held.resolve;
  };
  return async (header, token) => {
    const stale = heldKeys();
    if (stale && Date.now() - failedAt < source.cooldownMs) return stale(header, token);
    try {
      return await remote(header, token);
    } catch (error) {
      if (error instanceof errors.JOSEError && KEY_SELECTION_ERRORS.has(error.code)) throw error;
      failedAt = Date.now();
      console.warn(
        JSON.stringify({
          event: "jwks_fetch_failed",
          url: source.url.origin + source.url.pathname,
          error: String(error),
        }),
      );
      if (stale) return stale(header, token);
      throw new AuthUnavailable("the identity provider's signing keys cannot be fetched");
    }
  };
}
