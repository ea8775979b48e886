/**
 * Verifies an access token with jose and returns the principal it names. Before jose sees it, a
 * token must be of sane size and shape and must not point at keys of its own choosing; jose then
 * checks the signature with a trusted key for an allowed algorithm, issuer, audience, `exp`
 * (required), `nbf`, unknown `crit` headers, and here `iat` too, all with the clock tolerance;
 * then that the time claims are whole seconds (no 1e308, no Infinity from "1e400") and that the
 * token lives no longer than the configured maximum.
 */
import { decodeProtectedHeader, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";
import { BastionError, InvalidToken } from "../errors";
import { scopesFrom } from "./scopes";
import type { AuthConfig, Principal } from "./types";

/** Far above any real access token; a larger one is refused before parsing. */
export const MAX_TOKEN_LENGTH = 8192;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** Headers by which a token could bring or point at its own verification key. */
const KEY_REFERENCE_HEADERS = ["jku", "x5u", "jwk", "x5c"];
/** `typ` values of a JWT access token (RFC 9068) or a plain JWT; absent is accepted too. */
const ACCEPTED_TYPES = new Set(["jwt", "application/jwt", "at+jwt", "application/at+jwt"]);

export async function verifyAccessToken(token: string, config: AuthConfig, keys: JWTVerifyGetKey): Promise<Principal> {
  if (token.length > MAX_TOKEN_LENGTH) throw new InvalidToken("token is too large");
  if (!COMPACT_JWS.test(token)) throw new InvalidToken("token is not a signed JWT");
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new InvalidToken("token header is malformed");
  }
  if (KEY_REFERENCE_HEADERS.some((name) => name in header))
    throw new InvalidToken("token header refers to its own key");
  if (header.typ !== undefined && !ACCEPTED_TYPES.has(String(header.typ).toLowerCase())) {
    throw new InvalidToken("token type is not accepted");
  }

  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keys, {
      issuer: config.issuer,
      audience: config.audience,
      algorithms: config.algorithms,
      clockTolerance: config.clockToleranceSeconds,
      requiredClaims: ["exp", "sub"],
    }));
  } catch (error) {
    throw describeFailure(error);
  }
  checkTimeClaims(payload, config);
  if (typeof payload.sub !== "string" || payload.sub === "") throw new InvalidToken("token has no subject");
  return principalFrom(payload, config);
}

/** Time claims are integers (RFC 7519 allows fractions; no identity provider sends them). */
const TIME_CLAIMS = ["exp", "nbf", "iat"] as const;

function checkTimeClaims(payload: JWTPayload, config: AuthConfig) {
  for (const claim of TIME_CLAIMS) {
    if (payload[claim] !== undefined && !Number.isSafeInteger(payload[claim]))
      throw new InvalidToken(`token claim "${claim}" is not a whole number of seconds`);
  }
  const now = Math.floor(Date.now() / 1000);
  const { exp, iat } = payload as { exp: number; iat?: number };
  if (iat !== undefined && iat > now + config.clockToleranceSeconds)
    throw new InvalidToken("token is issued in the future");
  const lifetime = exp - (iat ?? now);
  if (lifetime > config.maxTokenLifetimeSeconds + (iat === undefined ? config.clockToleranceSeconds : 0))
    throw new InvalidToken("token lifetime exceeds the maximum accepted");
}

function principalFrom(payload: JWTPayload, config: AuthConfig): Principal {
  const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
  return {
    subject: payload.sub as string,
    clientId: text(payload.client_id) ?? text(payload.azp),
    tenant: text(payload.tid) ?? text(payload.tenant_id) ?? text(payload.tenant) ?? text(payload.org_id),
    tier: text(payload[config.tierClaim]) ?? "default",
    scopes: scopesFrom(payload),
    tokenId: text(payload.jti),
  };
}

/** A jose error as the caller may see it: the kind of failure, not the verifier's words. */
function describeFailure(error: unknown): BastionError {
  if (error instanceof BastionError) return error;
  if (error instanceof errors.JWTExpired) return new InvalidToken("token has expired");
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === "missing") return new InvalidToken(`token lacks the "${error.claim}" claim`);
    if (error.claim === "nbf") return new InvalidToken("token is not yet valid");
    if (error.claim === "iss" || error.claim === "aud")
      return new InvalidToken("token issuer or audience is not accepted");
    return new InvalidToken("token claims are not accepted");
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return new InvalidToken("token algorithm is not accepted");
  if (error instanceof errors.JWSSignatureVerificationFailed) return new InvalidToken("token signature is invalid");
  if (error instanceof errors.JWKSNoMatchingKey) return new InvalidToken("token is signed by an unknown key");
  if (error instanceof errors.JOSEError) return new InvalidToken("token is not accepted");
  throw error;
}
