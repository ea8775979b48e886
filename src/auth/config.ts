/**
 * Token-verification settings from the worker's environment. Anything missing or unsafe makes
 * every protected route answer 503 `auth_not_configured`: Bastion fails closed.
 *
 *   JWT_ISSUER, JWT_AUDIENCE (comma-separated)    required
 *   JWT_JWKS_URL  or  JWT_JWKS (inline JSON)       trusted keys; the URL wins when both are set
 *   JWT_ALGORITHMS                                  default RS256,PS256,ES256,EdDSA
 *   JWT_CLOCK_TOLERANCE                             seconds, default 30, at most 300
 *   JWT_MAX_TOKEN_LIFETIME                          seconds from iat (or now) to exp, default 86400
 *   JWT_HMAC_SECRET (secret binding)                enables HS256/384/512 when also listed
 *   JWT_JWKS_COOLDOWN, JWT_JWKS_MAX_AGE             seconds, default 30 and 600
 *   JWT_TIER_CLAIM                                  default "tier"
 */
import { AuthNotConfigured } from "../errors";
import type { Algorithm, AuthConfig } from "./types";

export interface AuthSettings {
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
  JWT_JWKS_URL?: string;
  JWT_JWKS?: string;
  JWT_ALGORITHMS?: string;
  JWT_CLOCK_TOLERANCE?: string;
  JWT_MAX_TOKEN_LIFETIME?: string;
  JWT_HMAC_SECRET?: string;
  JWT_JWKS_COOLDOWN?: string;
  JWT_JWKS_MAX_AGE?: string;
  JWT_TIER_CLAIM?: string;
}

const ASYMMETRIC: Algorithm[] = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
];
const HMAC: Algorithm[] = ["HS256", "HS384", "HS512"];
export const DEFAULT_ALGORITHMS: Algorithm[] = ["RS256", "PS256", "ES256", "EdDSA"];
const MAX_CLOCK_TOLERANCE = 300;
/** An access token is short-lived; one valid for years is a stolen credential waiting to happen. */
export const DEFAULT_MAX_TOKEN_LIFETIME = 86_400;

export function parseAuthConfig(env: AuthSettings): AuthConfig {
  const issuer = env.JWT_ISSUER?.trim();
  const audience = (env.JWT_AUDIENCE ?? "")
    .split(",")
    .map((a) => a.trim())
    .filter(Boolean);
  if (!issuer || audience.length === 0) throw new AuthNotConfigured("JWT_ISSUER and JWT_AUDIENCE must be set");

  const algorithms = env.JWT_ALGORITHMS ? env.JWT_ALGORITHMS.split(",").map((a) => a.trim()) : DEFAULT_ALGORITHMS;
  for (const alg of algorithms) {
    if (![...ASYMMETRIC, ...HMAC].includes(alg as Algorithm))
      throw new AuthNotConfigured(`JWT_ALGORITHMS lists an unsupported algorithm "${alg}"`);
  }
  const usesHmac = algorithms.some((a) => HMAC.includes(a as Algorithm));
  if (usesHmac && (env.JWT_HMAC_SECRET ?? "").length < 32) {
    throw new AuthNotConfigured("HS* algorithms need JWT_HMAC_SECRET, a secret of at least 32 characters");
  }

  const clockToleranceSeconds = seconds(env.JWT_CLOCK_TOLERANCE, 30, "JWT_CLOCK_TOLERANCE");
  if (clockToleranceSeconds > MAX_CLOCK_TOLERANCE)
    throw new AuthNotConfigured(`JWT_CLOCK_TOLERANCE is at most ${MAX_CLOCK_TOLERANCE} seconds`);
  const maxTokenLifetimeSeconds = seconds(
    env.JWT_MAX_TOKEN_LIFETIME,
    DEFAULT_MAX_TOKEN_LIFETIME,
    "JWT_MAX_TOKEN_LIFETIME",
  );
  if (maxTokenLifetimeSeconds <= 0) throw new AuthNotConfigured("JWT_MAX_TOKEN_LIFETIME must be positive");

  let keySource: AuthConfig["keySource"];
  if (env.JWT_JWKS_URL) {
    let url: URL;
    try {
      url = new URL(env.JWT_JWKS_URL);
    } catch {
      throw new AuthNotConfigured("JWT_JWKS_URL is not a URL");
    }
    const loopback = url.hostname === "127.0.0.1" || url.hostname === "localhost" || url.hostname === "[::1]";
    if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
      throw new AuthNotConfigured("JWT_JWKS_URL must use https (plain http only on loopback, for local use)");
    }
    keySource = {
      kind: "remote",
      url,
      cooldownMs: seconds(env.JWT_JWKS_COOLDOWN, 30, "JWT_JWKS_COOLDOWN") * 1000,
      cacheMaxAgeMs: seconds(env.JWT_JWKS_MAX_AGE, 600, "JWT_JWKS_MAX_AGE") * 1000,
    };
  } else if (env.JWT_JWKS) {
    keySource = { kind: "inline", jwks: env.JWT_JWKS };
  } else if (!usesHmac) {
    throw new AuthNotConfigured("set JWT_JWKS_URL or JWT_JWKS (or JWT_HMAC_SECRET with HS* algorithms)");
  } else {
    keySource = { kind: "inline", jwks: '{"keys":[]}' };
  }

  return {
    issuer,
    audience,
    algorithms: algorithms as Algorithm[],
    clockToleranceSeconds,
    maxTokenLifetimeSeconds,
    keySource,
    hmacSecret: usesHmac ? env.JWT_HMAC_SECRET : undefined,
    tierClaim: env.JWT_TIER_CLAIM?.trim() || "tier",
  };
}

function seconds(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value.trim() === "") return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new AuthNotConfigured(`${name} must be a number of seconds`);
  return parsed;
}
