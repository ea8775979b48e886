/**
 * How the server is reached: over TLS (1.2 or later) unless on loopback, with HSTS so a browser
 * never falls back to plain http, and the headers an API's responses should carry so that a
 * browser or a cache does nothing with them that the API did not mean (OWASP's REST Security
 * Cheat Sheet: nosniff, no-store, no framing) and that do not advertise the server's software.
 */
import type { CheckResult } from "../types";
import { type Check, header, type Seen, type Session } from "./types";

/** Two weeks: time enough to renew a certificate by hand when its automation has failed. */
const CERTIFICATE_WARNING_DAYS = 14;

/** 180 days: below it, a browser forgets HSTS between a user's visits too soon to matter. */
const MIN_HSTS_SECONDS = 180 * 24 * 3600;

export const isLoopback = (hostname: string) =>
  hostname === "localhost" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname);

export const tls: Check = async ({ probe, seen }) => {
  const base = { id: "tls", title: "TLS" };
  if (probe.base.protocol === "http:")
    return isLoopback(probe.base.hostname)
      ? { ...base, status: "skip", detail: "loopback over plain http: TLS is for the edge in front (Cloudflare's)" }
      : {
          ...base,
          status: "fail",
          detail: `${probe.base.origin} is plain http: tokens, inputs and predictions cross the network in clear`,
          fix: "serve it over https only (on Cloudflare: a custom domain or workers.dev, with Always Use HTTPS)",
        };
  const tls = seen.find((s) => s.response.tls)?.response.tls;
  if (tls?.version !== "TLSv1.2" && tls?.version !== "TLSv1.3")
    return {
      ...base,
      status: "fail",
      detail: `negotiated ${tls?.version ?? "an unknown protocol"}`,
      fix: "allow TLS 1.2 and 1.3 only",
    };
  const days = Math.floor((tls.certificateExpires.getTime() - Date.now()) / 86_400_000);
  const detail = `${tls.version}, certificate trusted, expires ${tls.certificateExpires.toISOString().slice(0, 10)}`;
  return days < CERTIFICATE_WARNING_DAYS
    ? {
        ...base,
        status: "warn",
        detail: `${detail}, ${days < 1 ? "within a day" : `in ${days} days`}`,
        fix: "renew the certificate, and automate its renewal (ACME; Cloudflare does it for its own)",
      }
    : { ...base, status: "pass", detail };
};

export const hsts: Check = async ({ probe, seen }) => {
  const base = { id: "hsts", title: "HSTS" };
  const value = seen.map((s) => header(s.response.headers, "strict-transport-security")).find(Boolean);
  const maxAge = Number(/max-age=(\d+)/i.exec(value ?? "")?.[1] ?? Number.NaN);
  const fix = "send Strict-Transport-Security: max-age=63072000; includeSubDomains";
  if (value === undefined)
    return probe.base.protocol === "http:" && isLoopback(probe.base.hostname)
      ? { ...base, status: "skip", detail: "not sent, and only meaningful over https" }
      : { ...base, status: "fail", detail: "no Strict-Transport-Security header", fix };
  if (!(maxAge >= MIN_HSTS_SECONDS))
    return { ...base, status: "warn", detail: `"${value}": shorter than 180 days`, fix };
  return { ...base, status: "pass", detail: value };
};

const EXPECTED: { name: string; present: (value: string | undefined) => boolean; why: string }[] = [
  { name: "x-content-type-options", present: (v) => v?.toLowerCase() === "nosniff", why: "nosniff" },
  { name: "cache-control", present: (v) => /no-store/i.test(v ?? ""), why: "no-store: predictions stay out of caches" },
  {
    name: "content-security-policy",
    present: (v) => /frame-ancestors\s+'none'/i.test(v ?? ""),
    why: "frame-ancestors 'none'",
  },
];

/** Checked on what a caller gets back from a model route: the admitted one, else any non-health answer. */
export const securityHeaders: Check = async (session: Session): Promise<CheckResult> => {
  const base = { id: "security-headers", title: "security headers" };
  const response = representative(session);
  if (!response) return { ...base, status: "skip", detail: "no model route answered" };
  const { headers } = response.response;
  const missing = EXPECTED.filter((e) => !e.present(header(headers, e.name))).map((e) => `${e.name} (${e.why})`);
  const disclosed = ["server", "x-powered-by"]
    .map((name) => [name, header(headers, name)] as const)
    .filter(([name, value]) => value !== undefined && (name === "x-powered-by" || /\d/.test(value)))
    .map(([name, value]) => `${name}: ${value}`);
  const problems = [
    ...(missing.length > 0 ? [`missing ${missing.join(", ")}`] : []),
    ...(disclosed.length > 0 ? [`software disclosed (${disclosed.join("; ")})`] : []),
  ];
  return problems.length === 0
    ? { ...base, status: "pass", detail: `on ${response.method} ${response.path}: nosniff, no-store, no framing` }
    : {
        ...base,
        status: "warn",
        detail: `on ${response.method} ${response.path}: ${problems.join("; ")}`,
        fix: "send X-Content-Type-Options: nosniff, Cache-Control: no-store, Content-Security-Policy: default-src 'none'; frame-ancestors 'none'; drop version banners",
      };
};

function representative(session: Session): Seen | undefined {
  const { seen, admittedRoute } = session;
  return (
    seen.find((s) => s.path === admittedRoute && !s.anonymous && s.response.status < 300) ??
    seen.find((s) => s.path.startsWith("/v2/models/"))
  );
}
