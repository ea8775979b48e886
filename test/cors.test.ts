/**
 * CORS against the real worker: what a browser on an allowed origin may send and read, on
 * success and on every kind of refusal, and that any other origin gets nothing. (The whole
 * round trip in a real browser is test/demo.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS, CORS_MAX_AGE } from "../src/cors/middleware";
import { postJson, startWorker, type TestWorker, tokenWithScopes } from "./worker";

const APP = "https://app.example.com";
const OTHER = "https://evil.example.net";
const workers: TestWorker[] = [];
let worker: TestWorker;

async function start(vars: Record<string, string>) {
  const started = await startWorker({ vars });
  workers.push(started);
  return started;
}

beforeAll(async () => {
  worker = await start({
    CORS_ORIGINS: `${APP}, http://localhost:8788`,
    // Each test calls from addresses of its own, three requests per address at most; vad allows
    // one call per principal, so the second is a 429.
    RATE_LIMITS: JSON.stringify({
      ip: { algorithm: "token-bucket", limit: 3, refillRate: 1, window: "1 h", timeoutMs: 10_000 },
      reads: { timeoutMs: 10_000 },
      functions: { vad: { algorithm: "token-bucket", limit: 1, refillRate: 1, window: "1 h", timeoutMs: 10_000 } },
    }),
  });
});
afterAll(() => Promise.all(workers.map((w) => w.dispose())));

let addresses = 0;
/** A client address no other request of this file used. */
const newAddress = () => `198.51.100.${++addresses}`;

function preflight(w: TestWorker, origin: string, address = newAddress(), path = "/v1/functions/vad") {
  return w.anonymous(path, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization,content-type",
      "cf-connecting-ip": address,
    },
  });
}

const commaList = (value: string | null) => (value ?? "").split(",").map((part) => part.trim().toLowerCase());
const corsHeaderNames = (response: Response) =>
  [...response.headers.keys()].filter((name) => name.startsWith("access-control-"));

/** What a browser needs to let the page read a refusal: the origin allowed, the headers exposed. */
function expectReadableByApp(response: Response) {
  expect(response.headers.get("access-control-allow-origin")).toBe(APP);
  expect(commaList(response.headers.get("access-control-expose-headers")).sort()).toEqual(
    CORS_EXPOSED_HEADERS.map((name) => name.toLowerCase()).sort(),
  );
  expect(commaList(response.headers.get("vary"))).toContain("origin");
  expect(response.headers.get("access-control-allow-credentials")).toBeNull();
}

describe("preflight", () => {
  it("is answered 204 without a token for an allowed origin, allowing what the client sends", async () => {
    const response = await preflight(worker, APP);
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(APP);
    expect(commaList(response.headers.get("access-control-allow-methods"))).toEqual(["get", "post"]);
    expect(commaList(response.headers.get("access-control-allow-headers")).sort()).toEqual(
      [...CORS_ALLOWED_HEADERS].sort(),
    );
    expect(response.headers.get("access-control-max-age")).toBe(String(CORS_MAX_AGE));
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
    expect(await response.text()).toBe("");
  });

  it("from an origin not on the list gets no CORS headers, and is refused like any call without a token", async () => {
    for (const origin of [OTHER, "https://app.example.com.evil.net", "http://app.example.com", "null"]) {
      const response = await preflight(worker, origin);
      expect(response.status).toBe(401);
      expect(corsHeaderNames(response)).toEqual([]);
    }
  });

  it("is limited per client address like every other request", async () => {
    const address = newAddress();
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await preflight(worker, APP, address)).status);
    expect(statuses).toEqual([204, 204, 204, 429]);
  });
});

describe("answers to an allowed origin", () => {
  const fromApp = (extra: Record<string, string> = {}) => ({ origin: APP, "cf-connecting-ip": newAddress(), ...extra });

  it("200: the origin itself (never *), with the rate-limit and request-id headers readable", async () => {
    const response = await worker.fetch("/v1/functions", { headers: fromApp() });
    expect(response.status).toBe(200);
    expectReadableByApp(response);
    expect(response.headers.get("ratelimit-remaining")).not.toBeNull();
    expect(response.headers.get("x-request-id")).not.toBeNull();
  });

  it("401 without a token: readable, with WWW-Authenticate", async () => {
    const response = await worker.anonymous("/v1/functions", { headers: fromApp() });
    expect(response.status).toBe(401);
    expectReadableByApp(response);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(await response.json()).toMatchObject({ code: "invalid_token" });
  });

  it("403 for a token without the function's scope", async () => {
    const token = await tokenWithScopes("infer:text-detect");
    const response = await postJson(
      worker,
      "/v1/functions/vad",
      {},
      { ...fromApp(), authorization: `Bearer ${token}` },
    );
    // vad is not readable with this token, so it does not exist for the caller; a readable one
    // without the invoke scope is the 403.
    expect(response.status).toBe(404);
    expectReadableByApp(response);
    const reader = await tokenWithScopes("models:read");
    const refused = await postJson(
      worker,
      "/v1/functions/vad",
      {},
      { ...fromApp(), authorization: `Bearer ${reader}` },
    );
    expect(refused.status).toBe(403);
    expectReadableByApp(refused);
  });

  it("429 with Retry-After and the RateLimit headers readable", async () => {
    const token = await tokenWithScopes("infer:vad", { sub: `cors-${crypto.randomUUID()}` });
    const headers = { ...fromApp(), authorization: `Bearer ${token}` };
    const frame = { audio: new Array(512).fill(0) };
    expect((await postJson(worker, "/v1/functions/vad", frame, headers)).status).toBe(200);
    const refused = await postJson(worker, "/v1/functions/vad", frame, headers);
    expect(refused.status).toBe(429);
    expectReadableByApp(refused);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.headers.get("ratelimit-remaining")).toBe("0");
  });

  it("OIP binary answers expose Inference-Header-Content-Length", async () => {
    const body = {
      inputs: [
        { name: "input", datatype: "FP32", shape: [1, 512], data: new Array(512).fill(0) },
        { name: "state", datatype: "FP32", shape: [2, 1, 128], data: new Array(256).fill(0) },
        { name: "sr", datatype: "INT64", shape: [], data: [16000] },
      ],
      outputs: [{ name: "output", parameters: { binary_data: true } }],
    };
    const token = await tokenWithScopes("infer:vad", { sub: `cors-${crypto.randomUUID()}` });
    const response = await postJson(worker, "/v2/models/vad/infer", body, {
      ...fromApp(),
      authorization: `Bearer ${token}`,
    });
    expect(response.status).toBe(200);
    expectReadableByApp(response);
    expect(Number(response.headers.get("inference-header-content-length"))).toBeGreaterThan(0);
  });

  it("a request without Origin (not from a browser) gets no CORS headers", async () => {
    const response = await worker.fetch("/v1/functions", { headers: { "cf-connecting-ip": newAddress() } });
    expect(response.status).toBe(200);
    expect(corsHeaderNames(response)).toEqual([]);
  });
});

describe("configuration", () => {
  it("503 from an unreachable rate limiter is readable too", async () => {
    const w = await start({
      CORS_ORIGINS: APP,
      UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9",
      UPSTASH_REDIS_REST_TOKEN: "unused",
      RATE_LIMITS: JSON.stringify({ ip: { timeoutMs: 200, onBackendFailure: "closed" } }),
    });
    const response = await w.fetch("/v1/functions", { headers: { origin: APP } });
    expect(response.status).toBe(503);
    expectReadableByApp(response);
  });

  it("a CORS_ORIGINS that is not a list of exact origins fails closed for browsers and readiness says so", async () => {
    const w = await start({ CORS_ORIGINS: `${APP},*` });
    const response = await w.fetch("/v1/functions", { headers: { origin: APP } });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ code: "cors_not_configured" });
    expect(corsHeaderNames(response)).toEqual([]);
    expect((await w.anonymous("/v2/health/ready")).status).toBe(503);
    // Callers that are not browsers are not concerned.
    expect((await w.fetch("/v1/functions")).status).toBe(200);
  });
});
