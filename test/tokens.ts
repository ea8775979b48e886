/**
 * Signing keys and tokens for tests: real key pairs made per run (none is committed), a JWKS to
 * trust them, and a signer that can produce every kind of token, good or forged.
 */
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";

export const ISSUER = "https://idp.test/";
export const AUDIENCE = "bastion-api";

export interface TestKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function makeKey(
  alg: string,
  kid = `${alg.toLowerCase()}-${crypto.randomUUID().slice(0, 8)}`,
): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

export function jwks(...keys: TestKey[]): string {
  return JSON.stringify({ keys: keys.map((k) => k.publicJwk) });
}

export interface TokenOptions {
  claims?: JWTPayload;
  header?: Record<string, unknown>;
  /** Seconds from now; negative for an expired token; null for no `exp`. */
  expiresIn?: number | null;
}

/** A token from `key` with sane defaults (issuer, audience, subject, 5 minutes), any of them overridable. */
export async function sign(key: TestKey, options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: JWTPayload = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: "user-1",
    iat: now,
    client_id: "test-client",
    ...(options.expiresIn === null ? {} : { exp: now + (options.expiresIn ?? 300) }),
    ...options.claims,
  };
  const crit = (options.header?.crit as string[] | undefined) ?? [];
  return (
    new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "at+jwt", ...options.header } as never)
      // jose will sign an unknown critical header only when told to; a forger would not ask.
      .sign(key.privateKey, { crit: Object.fromEntries(crit.map((name) => [name, true])) })
  );
}

/** The worker settings that trust `keys` inline. */
export function authVars(keys: TestKey[]): Record<string, string> {
  return { JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, JWT_JWKS: jwks(...keys) };
}
