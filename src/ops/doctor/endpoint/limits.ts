/**
 * Whether the server limits how fast one caller may go: rate-limit headers that tell a well-behaved
 * client its budget (IETF RateLimit fields, or the older X-RateLimit-*), and a burst that ends in
 * 429 with Retry-After. The burst runs last and stops at the first 429: it spends the caller's
 * budget, and a polite doctor spends no more than it must.
 */
import type { CheckResult } from "../types";
import { answered } from "./http";
import { bearer, type Check, header, type Session } from "./types";

const RATE_LIMIT_HEADERS = [
  "ratelimit-limit",
  "ratelimit-remaining",
  "ratelimit",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
];
const BURST_CONCURRENCY = 8;

export const rateLimitHeaders: Check = async ({ seen }): Promise<CheckResult> => {
  const base = { id: "rate-limit-headers", title: "rate-limit headers" };
  const limited = seen.filter((s) => !s.path.startsWith("/v2/health/"));
  const found = new Set(limited.flatMap((s) => RATE_LIMIT_HEADERS.filter((name) => header(s.response.headers, name))));
  return found.size > 0
    ? { ...base, status: "pass", detail: [...found].join(", ") }
    : {
        ...base,
        status: "warn",
        detail: `none in ${limited.length} answers`,
        fix: "send RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset so clients can pace themselves",
      };
};

export const burst: Check = async (session): Promise<CheckResult> => {
  const base = { id: "rate-limit-burst", title: "a burst gets 429" };
  const route = burstRoute(session);
  if (!route) return { ...base, status: "skip", detail: "give --token: every route refuses anonymous callers" };
  let sent = 0;
  let refused: { after: number; retryAfter?: string } | undefined;
  while (!refused && sent < session.burst) {
    const batch = Math.min(BURST_CONCURRENCY, session.burst - sent);
    const responses = await Promise.all(Array.from({ length: batch }, () => session.send(route)));
    sent += batch;
    const tooMany = responses.find((r) => answered(r) && r.status === 429);
    if (tooMany && answered(tooMany)) refused = { after: sent, retryAfter: header(tooMany.headers, "retry-after") };
  }
  const who = route.headers ? "one caller" : "an anonymous caller";
  if (!refused)
    return {
      ...base,
      status: "fail",
      detail: `${sent} requests from ${who} to GET ${route.path}, in bursts of ${BURST_CONCURRENCY}: none refused`,
      fix: "limit each caller (and each client address) in a store all instances share (Bastion: RATE_LIMITS)",
    };
  if (refused.retryAfter === undefined)
    return {
      ...base,
      status: "warn",
      detail: `429 within ${refused.after} requests to GET ${route.path}, but without Retry-After`,
      fix: "send Retry-After with every 429",
    };
  return {
    ...base,
    status: "pass",
    detail: `429 within ${refused.after} requests from ${who} to GET ${route.path}, Retry-After: ${refused.retryAfter}`,
  };
};

/** The token's admitted route, else a metadata route served anonymously (a server without auth). */
function burstRoute(session: Session): { path: string; headers?: Record<string, string> } | undefined {
  if (session.token && session.admittedRoute) return { path: session.admittedRoute, headers: bearer(session.token) };
  const open = session.seen.find(
    (s) => s.anonymous && s.method === "GET" && s.response.status === 200 && !s.path.startsWith("/v2/health/"),
  );
  return open ? { path: open.path } : undefined;
}
