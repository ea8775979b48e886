/**
 * Hono middleware: `authenticate` verifies the bearer token and sets `principal`; `requireScope`
 * admits principals holding any of the scopes a route accepts.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { JWTVerifyGetKey } from "jose";
import type { AppEnv, Bindings } from "../env";
import { InsufficientScope, InvalidToken } from "../errors";
import { parseAuthConfig } from "./config";
import { createKeyResolver } from "./keys";
import { holdsAny } from "./scopes";
import type { AuthConfig } from "./types";
import { type VerifiedTokens, verifiedTokens } from "./verified-tokens";
import { verifyAccessToken } from "./verify";

interface Verifier {
  config: AuthConfig;
  keys: JWTVerifyGetKey;
  /** Tokens verified under this configuration, for a minute at most. */
  verified: VerifiedTokens;
}

/**
 * Builds the verifier once per isolate and settings (jose's key cache lives in it); a bad
 * configuration is remembered and thrown on every request, closing the protected routes.
 */
export function verifierCache(): (env: Bindings) => Verifier {
  let cached: { settings: string; verifier: Verifier } | { settings: string; error: unknown } | undefined;
  return (env) => {
    const settings = JSON.stringify(Object.entries(env).filter(([name]) => name.startsWith("JWT_")));
    if (cached?.settings !== settings) {
      try {
        const config = parseAuthConfig(env);
        cached = { settings, verifier: { config, keys: createKeyResolver(config), verified: verifiedTokens(config) } };
      } catch (error) {
        cached = { settings, error };
      }
    }
    if ("error" in cached) throw cached.error;
    return cached.verifier;
  };
}

/** Requires `Authorization: Bearer <token>`; the token is never read from a query string or cookie. */
export function authenticate(verifierFor: (env: Bindings) => Verifier) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const { config, keys, verified } = verifierFor(c.env);
    const authorization = c.req.header("authorization");
    if (!authorization) throw new InvalidToken("a bearer token is required");
    const match = /^Bearer ([^\s,]+)$/i.exec(authorization);
    if (!match) throw new InvalidToken('the Authorization header must be "Bearer <token>"');
    const token = match[1];
    const now = Date.now();
    let principal = verified.get(token, now);
    if (!principal) {
      principal = await verifyAccessToken(token, config, keys);
      verified.add(token, principal, now);
    }
    c.set("principal", principal);
    await next();
  });
}

/** Admits a principal holding any of `accepted(c)`; a 403 names the first. */
export function requireScope(accepted: (c: Context<AppEnv>) => string[]) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const scopes = accepted(c);
    if (!holdsAny(c.get("principal"), scopes)) throw new InsufficientScope(scopes[0]);
    await next();
  });
}
