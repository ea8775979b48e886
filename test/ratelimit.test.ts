/**
 * Rate limits against the real worker: with Redis (a real redis-server behind the Upstash REST
 * bridge, shared by two separate workerd processes) and with the embedded Durable Object backend.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisBridge, startRedisBridge } from "../tools/redis-bridge";
import { type LocalRedis, startRedisServer } from "../tools/redis-server";
import { drained } from "./audit-log";
import { sign } from "./tokens";
import { postJson, startWorker, type TestWorker, testIssuerKey, tokenWithScopes } from "./worker";

let redis: LocalRedis;
let bridge: RedisBridge;
const workers: TestWorker[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  bridge = await startRedisBridge({ redisUrl: redis.url, token: "test-bridge-token" });
});
afterAll(async () => {
  await Promise.all(workers.splice(0).map((w) => w.dispose()));
  await bridge?.close();
  await redis?.stop();
});

async function worker(vars: Record<string, string>) {
  const started = await startWorker({ vars });
  workers.push(started);
  return started;
}
const limits = (settings: object) => ({ RATE_LIMITS: JSON.stringify(settings) });
const viaRedis = (url = bridge.url, token = bridge.token) => ({
  UPSTASH_REDIS_REST_URL: url,
  UPSTASH_REDIS_REST_TOKEN: token,
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * Counting tests start well inside a window: a sliding window weighs the previous window's count,
 * so a run that straddles a boundary would admit a little more than the limit, by design.
 */
async function awayFromWindowEdge(windowMs: number, marginMs = 1500) {
  const left = windowMs - (Date.now() % windowMs);
  if (left < marginMs) await sleep(left + 50);
}
/** A subject per test, so tests sharing one Redis do not share counters. */
const subject = () => `user-${crypto.randomUUID()}`;

async function as(sub: string, scope = "infer:* models:read") {
  return { authorization: `Bearer ${await tokenWithScopes(scope, { sub })}` };
}

const backends = [
  ["Redis (Upstash REST bridge)", () => viaRedis()],
  ["Durable Object", () => ({})],
] as const;

describe.each(backends)("with %s", (_, backend) => {
  it("admits exactly the limit of 3L concurrent requests, and refuses the rest with 429", async () => {
    const L = 10;
    const w = await worker({ ...backend(), ...limits({ functions: { vad: { limit: L, window: "1 m" } } }) });
    const headers = await as(subject());
    await awayFromWindowEdge(60_000);
    const responses = await Promise.all(Array.from({ length: 3 * L }, () => w.fetch("/v2/models/vad", { headers })));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(L);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2 * L);
    const refused = responses.find((r) => r.status === 429) as Response;
    expect(await refused.json()).toMatchObject({ code: "rate_limited" });
    expect(refused.headers.get("ratelimit-limit")).toBe(String(L));
    expect(refused.headers.get("ratelimit-remaining")).toBe("0");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("counts down RateLimit-Remaining, and a request after Retry-After is admitted (sliding window)", async () => {
    const w = await worker({ ...backend(), ...limits({ functions: { vad: { limit: 3, window: "3 s" } } }) });
    const headers = await as(subject());
    const remaining: string[] = [];
    await awayFromWindowEdge(3000, 2500);
    for (let i = 0; i < 3; i++) {
      const response = await w.fetch("/v2/models/vad", { headers });
      expect(response.status).toBe(200);
      remaining.push(response.headers.get("ratelimit-remaining") as string);
    }
    expect(remaining).toEqual(["2", "1", "0"]);
    const refused = await w.fetch("/v2/models/vad", { headers });
    expect(refused.status).toBe(429);
    // The window ends at the next multiple of 3 s; Retry-After and RateLimit-Reset say when.
    const expected = Math.ceil((3000 - (Date.now() % 3000)) / 1000);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(Math.abs(retryAfter - expected)).toBeLessThanOrEqual(1);
    expect(refused.headers.get("ratelimit-reset")).toBe(String(retryAfter));
    await sleep(retryAfter * 1000 + 100);
    expect((await w.fetch("/v2/models/vad", { headers })).status).toBe(200);
  });

  it("refills a token bucket at its rate", async () => {
    const bucket = { algorithm: "token-bucket", limit: 2, refillRate: 1, window: "2 s" };
    const w = await worker({ ...backend(), ...limits({ functions: { "text-detect": bucket } }) });
    const headers = await as(subject());
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await w.fetch("/v2/models/text-detect", { headers })).status);
    expect(statuses).toEqual([200, 200, 429]);
    const refused = await w.fetch("/v2/models/text-detect", { headers });
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    await sleep(retryAfter * 1000 + 100);
    expect((await w.fetch("/v2/models/text-detect", { headers })).status).toBe(200);
  });

  it("charges a batch its size where the function says so", async () => {
    const w = await worker({ ...backend(), ...limits({ functions: { "text-orientation": { limit: 8 } } }) });
    const headers = await as(subject());
    const batch = (n: number) => ({
      inputs: [{ name: "x", datatype: "FP32", shape: [n, 3, 48, 192], data: new Array(n * 27648).fill(0) }],
    });
    await awayFromWindowEdge(60_000);
    const first = await postJson(w, "/v2/models/text-orientation/infer", batch(5), headers);
    expect(first.status).toBe(200);
    expect(first.headers.get("ratelimit-remaining")).toBe("3");
    expect((await postJson(w, "/v2/models/text-orientation/infer", batch(5), headers)).status).toBe(429);
  });

  it("limits each principal and function on its own, by tier", async () => {
    const settings = { functions: { vad: { limit: 2 } }, tiers: { pro: { "*": { limit: 5 } } } };
    const w = await worker({ ...backend(), ...limits(settings) });
    const count = async (headers: Record<string, string>, path = "/v2/models/vad") => {
      let admitted = 0;
      for (let i = 0; i < 7; i++) if ((await w.fetch(path, { headers })).status === 200) admitted++;
      return admitted;
    };
    const free = await as(subject());
    await awayFromWindowEdge(60_000);
    expect(await count(free)).toBe(2);
    expect(await count(await as(subject()))).toBe(2);
    expect(await count(free, "/v2/models/text-detect")).toBeGreaterThan(2);
    const pro = {
      authorization: `Bearer ${await sign(await testIssuerKey(), { claims: { sub: subject(), scope: "infer:*", tier: "pro" } })}`,
    };
    expect(await count(pro)).toBe(5);
  });

  it("throttles an address that sends bad tokens, before verifying them", async () => {
    const w = await worker({ ...backend(), ...limits({ ip: { limit: 5 } }) });
    const attacker = {
      "cf-connecting-ip": `203.0.113.${Math.floor(Math.random() * 200)}`,
      authorization: "Bearer not.a.token",
    };
    const statuses = [];
    await awayFromWindowEdge(60_000);
    for (let i = 0; i < 8; i++) statuses.push((await w.anonymous("/v2/models/vad", { headers: attacker })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    const bystander = await w.anonymous("/v2/models/vad", {
      headers: { "cf-connecting-ip": "198.51.100.1", authorization: "Bearer not.a.token" },
    });
    expect(bystander.status).toBe(401);
  });
});

describe("with two separate worker processes sharing one Redis", () => {
  it("admits exactly L of 3L requests spread over both", async () => {
    const L = 12;
    const settings = { ...viaRedis(), ...limits({ functions: { vad: { limit: L, window: "1 m" } } }) };
    const [a, b] = await Promise.all([worker(settings), worker(settings)]);
    const headers = await as(subject());
    await awayFromWindowEdge(60_000);
    const responses = await Promise.all(
      Array.from({ length: 3 * L }, (_, i) => (i % 2 ? a : b).fetch("/v2/models/vad", { headers })),
    );
    const admitted = responses.filter((r) => r.status === 200).length;
    expect(admitted).toBe(L);
    expect(responses.filter((r) => r.status === 429)).toHaveLength(2 * L);
  });
});

describe("when Redis fails or is slow, each function's policy decides", () => {
  /** Fault injector: an "Upstash" that answers nothing for `delayMs`, then an error. */
  async function slowUpstash(delayMs: number): Promise<{ url: string; server: Server }> {
    const server = createServer((_, response) => {
      setTimeout(() => response.writeHead(502).end('{"error":"slow"}'), delayMs);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
  }

  it.each([
    ["Redis refuses connections", async () => ({ url: "http://127.0.0.1:9", close: () => undefined })],
    [
      "Redis answers after the timeout",
      async () => {
        const { url, server } = await slowUpstash(3000);
        return { url, close: () => server.closeAllConnections() };
      },
    ],
  ])("%s: vad fails open, text-orientation fails closed with 503", async (_, upstream) => {
    const { url, close } = await upstream();
    const w = await worker({
      ...viaRedis(url, "token"),
      ...limits({ default: { timeoutMs: 300 }, ip: { timeoutMs: 300 } }),
    });
    const headers = await as(subject());
    const started = Date.now();
    const open = await postJson(w, "/v1/functions/vad", { audio: new Array(512).fill(0) }, headers);
    expect(open.status).toBe(200);
    expect(open.headers.get("ratelimit-limit")).toBeNull();
    const closed = await postJson(w, "/v1/functions/text-orientation", { tensor: new Array(27648).fill(0) }, headers);
    expect(closed.status).toBe(503);
    expect(await closed.json()).toMatchObject({ code: "rate_limit_unavailable" });
    expect(closed.headers.get("retry-after")).toBe("1");
    // Both waited at most the timeouts (IP and function), not the backend.
    expect(Date.now() - started).toBeLessThan(2500);
    close();
    // The audit log records what the policy decided.
    const { logged } = await drained(w, 2);
    const served = logged.find((e) => e.function === "vad");
    expect(served?.rateLimits).toContainEqual(
      expect.objectContaining({ scope: "principal", allowed: true, outcome: "fail-open" }),
    );
    expect(logged.find((e) => e.function === "text-orientation")).toMatchObject({
      status: 503,
      errorCode: "rate_limit_unavailable",
    });
  });

  it("a function can opt into failing open, and RATE_LIMITS can close one that is open", async () => {
    const settings = limits({
      default: { timeoutMs: 200 },
      functions: { vad: { onBackendFailure: "closed" }, "text-orientation": { onBackendFailure: "open" } },
    });
    const w = await worker({ ...viaRedis("http://127.0.0.1:9", "token"), ...settings });
    const headers = await as(subject());
    expect((await postJson(w, "/v1/functions/vad", { audio: new Array(512).fill(0) }, headers)).status).toBe(503);
    expect(
      (await postJson(w, "/v1/functions/text-orientation", { tensor: new Array(27648).fill(0) }, headers)).status,
    ).toBe(200);
  });
});

describe("configuration", () => {
  it("a malformed RATE_LIMITS closes the limited routes with 503 and names the problem", async () => {
    const w = await worker(limits({ functions: { vad: { limit: -1 } } }));
    const response = await w.fetch("/v2/models/vad");
    expect(response.status).toBe(503);
    const body = (await response.json()) as { code: string; error: string };
    expect(body.code).toBe("rate_limit_not_configured");
    expect(body.error).toContain("RATE_LIMITS.functions.vad.limit");
    expect((await w.anonymous("/v2/health/ready")).status).toBe(503);
  });
});
