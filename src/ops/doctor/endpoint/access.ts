/**
 * Who gets in. Every route but health must refuse a caller without a token, whatever method or
 * spelling of the path it uses (the classic bypasses: a trailing slash, another case, an encoded
 * letter, a dot segment, a path parameter, a public prefix walked back with `..`, a rewrite
 * header). OIP metadata (server and model) must not be readable anonymously: it names the models,
 * their versions and tensor shapes. And a token must be verified: `alg: none`, altered claims, a
 * stripped signature and an expired token are all refused. Nothing here sends a method that could
 * change the server (no DELETE, no repository load or unload).
 */
import type { CheckResult } from "../types";
import { answered, type ProbeResponse } from "./http";
import { bearer, type Check, type Session } from "./types";

interface Route {
  method: string;
  path: string;
  headers?: Record<string, string>;
}

const PUBLIC_PATHS = new Set(["/v2/health/live", "/v2/health/ready"]);

/** What an anonymous caller must not use: inference, control, listings (Bastion's, KServe's, Triton's). */
const protectedRoutes = ({ model }: Session): Route[] => [
  { method: "POST", path: `/v2/models/${model}/infer` },
  { method: "GET", path: `/v2/models/${model}/ready` },
  { method: "POST", path: "/v2/repository/index" },
  { method: "GET", path: `/v1/models/${model}` },
  { method: "POST", path: `/v1/models/${model}:predict` },
  { method: "GET", path: "/v1/functions" },
  { method: "POST", path: `/v1/functions/${model}` },
  { method: "GET", path: "/v1/principal" },
  { method: "GET", path: "/v1/admin/overview" },
];

/** The same route spelled as a lax router or a proxy in front might still match it. */
function variants({ method, path }: Route): Route[] {
  const [, first, ...rest] = path.split("/");
  return [
    { method, path: `${path}/` },
    { method, path: `/${path}` },
    { method, path: path.toUpperCase() },
    { method, path: `/${first}/${encodeFirstLetter(rest.join("/"))}` },
    { method, path: `/${first}/./${rest.join("/")}` },
    { method, path: `${path};.json` },
    { method, path: `/v2/health/live/../../${rest.join("/")}` },
    { method, path: `/v2/health/live/..%2f..%2f${rest.join("%2f")}` },
    { method: "HEAD", path },
    { method: "POST", path, headers: { "x-http-method-override": method === "POST" ? "GET" : "POST" } },
    { method: "GET", path: "/v2/health/live", headers: { "x-original-url": path, "x-rewrite-url": path } },
  ];
}

const encodeFirstLetter = (text: string) => text.replace(/[a-z]/, (letter) => `%${letter.charCodeAt(0).toString(16)}`);

const admitted = (r: ProbeResponse) => r.status >= 200 && r.status < 300;
/**
 * Refused (401, 403, 429), or no such route (404, 405, 501). Any other 4xx means the request got
 * past whatever guards the route, to a handler that judged its body or parameters.
 */
const REFUSED_OR_ABSENT = new Set([401, 403, 404, 405, 429, 501]);
const reachedHandler = (r: ProbeResponse) =>
  admitted(r) || (r.status >= 400 && r.status < 500 && !REFUSED_OR_ABSENT.has(r.status));
const requestBody = (method: string) => (method === "POST" ? "{}" : undefined);
const jsonHeaders = (method: string): Record<string, string> =>
  method === "POST" ? { "content-type": "application/json" } : {};

export const anonymousAccess: Check = async (session) => {
  const base = { id: "anonymous-access", title: "every route but health needs a token" };
  const healthBody = session.seen.find((s) => s.path === "/v2/health/live")?.response.text;
  const routes = protectedRoutes(session);
  const admittedTo: string[] = [];
  const errors: string[] = [];
  let sent = 0;
  for (const route of routes) {
    for (const attempt of [route, ...(route === routes[0] || route === routes[1] ? variants(route) : [])]) {
      const headers = { ...jsonHeaders(attempt.method), ...attempt.headers };
      const response = await session.send({ ...attempt, headers, body: requestBody(attempt.method) });
      sent++;
      if (!answered(response)) continue;
      const label = `${attempt.method} ${attempt.path}${attempt.headers ? ` (${Object.keys(attempt.headers).join(", ")})` : ""}`;
      // A rewrite header on the health route: only a different answer than health's own is a bypass.
      const rewritten = PUBLIC_PATHS.has(attempt.path);
      if (reachedHandler(response) && !(rewritten && response.text === healthBody))
        admittedTo.push(`${label} → ${response.status}`);
      else if (response.status >= 500) errors.push(`${label} → ${response.status}`);
    }
  }
  if (admittedTo.length > 0)
    return {
      ...base,
      status: "fail",
      detail: `served or judged by a handler without a token: ${summarise(admittedTo)}`,
      fix: "put authentication in front of every route but /v2/health/* (Bastion: every route is behind its token verification)",
    };
  if (errors.length > 0)
    return {
      ...base,
      status: "warn",
      detail: `no route admitted an anonymous caller, but some failed with a server error: ${summarise(errors)}`,
      fix: "answer an unauthenticated request 401 before doing any work",
    };
  return {
    ...base,
    status: "pass",
    detail: `${sent} anonymous requests over ${routes.length} routes (methods, path variants, rewrite headers): none admitted`,
  };
};

export const anonymousMetadata: Check = async (session) => {
  const base = { id: "oip-metadata", title: "OIP metadata needs a token" };
  const readable: string[] = [];
  const paths = ["/v2", `/v2/models/${session.model}`];
  if (session.version) paths.push(`/v2/models/${session.model}/versions/${session.version}`);
  for (const path of paths) {
    const response = await session.send({ path });
    if (answered(response) && admitted(response)) readable.push(path);
  }
  return readable.length === 0
    ? { ...base, status: "pass", detail: `${paths.join(", ")}: refused without a token` }
    : {
        ...base,
        status: "fail",
        detail: `readable anonymously: ${readable.join(", ")} (server software and version, model names, tensor shapes)`,
        fix: "require a token for /v2 and /v2/models/*; only /v2/health/* is public",
      };
};

/** Forged tokens made from the user's real one; each must be refused where the real one is admitted. */
export const tokenVerification: Check = async (session): Promise<CheckResult[]> => {
  const forgeryBase = { id: "token-forgery", title: "forged tokens refused" };
  const expiryBase = { id: "token-expiry", title: "expired tokens refused" };
  const { token, admittedRoute, expiredToken } = session;
  if (!token || !admittedRoute) {
    const why = token ? "the token given is admitted to no model route" : "give --token to check";
    return [
      { ...forgeryBase, status: "skip", detail: why },
      { ...expiryBase, status: "skip", detail: why },
    ];
  }
  const anonymous = await session.send({ path: admittedRoute });
  if (answered(anonymous) && admitted(anonymous)) {
    const detail = `${admittedRoute} needs no token at all: any token, forged or expired, is as good as none`;
    const fix = "verify a token on every route but /v2/health/*";
    return [
      { ...forgeryBase, status: "fail", detail, fix },
      { ...expiryBase, status: "fail", detail, fix },
    ];
  }
  const forged = forgeries(token);
  const accepted: string[] = [];
  for (const [name, forgery] of Object.entries(forged)) {
    const response = await session.send({ path: admittedRoute, headers: bearer(forgery) });
    if (answered(response) && admitted(response)) accepted.push(name);
  }
  const forgery: CheckResult =
    accepted.length === 0
      ? {
          ...forgeryBase,
          status: "pass",
          detail: `${Object.keys(forged).join(", ")}: each refused on ${admittedRoute}, where the real token is admitted`,
        }
      : {
          ...forgeryBase,
          status: "fail",
          detail: `accepted on ${admittedRoute}: ${accepted.join(", ")}`,
          fix: "verify every token's signature with an allowlist of asymmetric algorithms (never none)",
        };
  if (!expiredToken)
    return [
      forgery,
      {
        ...expiryBase,
        status: "skip",
        detail: "give --expired-token (an expired token from the same issuer; locally: npm run token -- --ttl -120)",
      },
    ];
  const response = await session.send({ path: admittedRoute, headers: bearer(expiredToken) });
  const expiry: CheckResult =
    answered(response) && admitted(response)
      ? {
          ...expiryBase,
          status: "fail",
          detail: `an expired token (exp ${expiryOf(expiredToken)}) was admitted to ${admittedRoute}`,
          fix: "check exp with a clock tolerance of seconds, not minutes (Bastion: JWT_CLOCK_TOLERANCE, default 30)",
        }
      : {
          ...expiryBase,
          status: "pass",
          detail: `refused with ${answered(response) ? response.status : response.error}`,
        };
  return [forgery, expiry];
};

function forgeries(token: string): Record<string, string> {
  const [header, payload, signature] = token.split(".");
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const headerJson = JSON.parse(Buffer.from(header, "base64url").toString());
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
  const unsigned = (alg: string) => `${encode({ ...headerJson, alg })}.${payload}.`;
  return {
    "alg none": unsigned("none"),
    "alg None": unsigned("None"),
    "signature stripped": `${header}.${payload}.`,
    "claims altered (sub, scope)": `${header}.${encode({ ...claims, sub: `${claims.sub}-x`, scope: "admin infer:* models:read" })}.${signature}`,
  };
}

const expiryOf = (token: string) => {
  const exp = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()).exp;
  return typeof exp === "number" ? new Date(exp * 1000).toISOString() : "missing";
};

const summarise = (items: string[]) =>
  items.length <= 6 ? items.join("; ") : `${items.slice(0, 6).join("; ")} and ${items.length - 6} more`;
