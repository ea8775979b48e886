/**
 * Cross-origin calls from web pages (Hono's `cors` middleware, fed the `CORS_ORIGINS` allowlist).
 * Two halves, because a preflight is counted against its address before it is answered:
 *
 * - `corsHeaders` goes first: answers to an allowed origin carry `Access-Control-Allow-Origin` and
 *   expose the headers an app needs to understand them (rate limits, `Retry-After`, the request
 *   id, the binary inference header), on refusals (401/403/429/503) as much as on success.
 * - `answerPreflight` goes after the per-address limit and before authentication: a browser sends
 *   no token with a preflight, so an allowed origin's preflight is answered 204 there.
 *
 * An origin not on the list gets no CORS headers at all (its preflight goes on to authentication
 * and is refused 401), so the browser keeps the page from reading anything. Tokens travel in
 * `Authorization`, never cookies, so credentials are not allowed and no wildcard is ever sent.
 */
import type { Context, MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { parseCorsOrigins } from "./origins";

/** What a page may send beyond the CORS-safelisted headers. */
export const CORS_ALLOWED_HEADERS = [
  "authorization",
  "bastion-seal",
  "content-type",
  "inference-header-content-length",
  "x-request-id",
];
/** What a page may read of an answer beyond the CORS-safelisted headers. */
export const CORS_EXPOSED_HEADERS = [
  "RateLimit-Limit",
  "RateLimit-Remaining",
  "RateLimit-Reset",
  "Retry-After",
  "X-Request-Id",
  "Inference-Header-Content-Length",
  "WWW-Authenticate",
];
/** Seconds a browser may reuse a preflight: Chromium's own cap (Firefox allows a day). */
export const CORS_MAX_AGE = 7200;

export function crossOrigin(): { corsHeaders: MiddlewareHandler<AppEnv>; answerPreflight: MiddlewareHandler<AppEnv> } {
  let cached: { setting: string | undefined; origins: ReadonlySet<string> } | undefined;
  const allowedOrigins = (c: Context<AppEnv>) => {
    if (cached && cached.setting === c.env.CORS_ORIGINS) return cached.origins;
    const origins = parseCorsOrigins(c.env.CORS_ORIGINS);
    cached = { setting: c.env.CORS_ORIGINS, origins };
    return origins;
  };
  const honoCors = cors({
    origin: (origin, c) => (allowedOrigins(c).has(origin) ? origin : null),
    allowMethods: ["GET", "POST"],
    allowHeaders: CORS_ALLOWED_HEADERS,
    exposeHeaders: CORS_EXPOSED_HEADERS,
    maxAge: CORS_MAX_AGE,
  });
  /** Hono's middleware for requests from an allowed origin; nothing for anyone else. */
  const forAllowedOrigins = (preflights: boolean) =>
    createMiddleware<AppEnv>(async (c, next) => {
      const origin = c.req.header("origin");
      if (origin === undefined || isPreflight(c) !== preflights || !allowedOrigins(c).has(origin)) return next();
      return honoCors(c, next);
    });
  return { corsHeaders: forAllowedOrigins(false), answerPreflight: forAllowedOrigins(true) };
}

function isPreflight(c: Context): boolean {
  return c.req.method === "OPTIONS" && c.req.header("access-control-request-method") !== undefined;
}
