/**
 * Authentication in one page: who may call Bastion, and what the rest of the request learns of
 * them.
 *
 * A caller presents an OAuth 2.0 access token (a JWT from the customer's identity provider) as
 * `Authorization: Bearer`. `verify.ts` checks it with jose against keys from `keys.ts` under the
 * settings of `config.ts`; `middleware.ts` turns the outcome into a `Principal` on the request
 * context, a 401, or a 403, and `scopes.ts` decides what a principal may call.
 */

/** A verified caller, for authorization, rate limiting and the audit log. */
export interface Principal {
  /** `sub`: who the token was issued to. */
  subject: string;
  /** `client_id` (RFC 9068) or `azp`: the application acting for the subject. */
  clientId?: string;
  /** `tid` (Entra ID), `tenant_id`, `tenant` or `org_id`: the customer organisation. */
  tenant?: string;
  /** The claim named by `JWT_TIER_CLAIM` (default `tier`), else `default`. */
  tier: string;
  scopes: ReadonlySet<string>;
  /** `jti`, when the token has one. */
  tokenId?: string;
}

export type Algorithm =
  | "RS256"
  | "RS384"
  | "RS512"
  | "PS256"
  | "PS384"
  | "PS512"
  | "ES256"
  | "ES384"
  | "ES512"
  | "EdDSA"
  | "Ed25519"
  | "HS256"
  | "HS384"
  | "HS512";

export interface AuthConfig {
  issuer: string;
  /** Accepted audiences; a token must name at least one. */
  audience: string[];
  algorithms: Algorithm[];
  /** Seconds of clock skew allowed for `exp`, `nbf` and `iat` (0 to 300). */
  clockToleranceSeconds: number;
  /** Longest accepted lifetime, in seconds: `exp - iat`, or `exp - now` for a token without `iat`. */
  maxTokenLifetimeSeconds: number;
  /** Where trusted public keys come from. */
  keySource: { kind: "remote"; url: URL; cooldownMs: number; cacheMaxAgeMs: number } | { kind: "inline"; jwks: string };
  /** The shared secret for HS* algorithms, only when one is configured. */
  hmacSecret?: string;
  tierClaim: string;
}
