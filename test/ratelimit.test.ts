/**
 * Rate limits against the real worker: with Redis (a real redis-server behind the Upstash REST
 * bridge, shared by two separate workerd processes) and with the embedded Durable Object backend.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisBridge, startRedisBridge } from "../tools/redis-bridge";
import { type LocalRedis, startRedisServer } from "../tools/redis-server";
import { drained } from "./audit-log";
import { sign } from "./tokens";
import { postJson, requestOnce, startWorker, type TestWorker, testIssuerKey, tokenWithScopes } from "./worker";

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

async function worker(vars: Record<string, string>, options: Parameters<typeof startWorker>[0] = {}) {
  const started = await startWorker({ ...options, vars });
  workers.push(started);
  return started;
}
/**
 * RATE_LIMITS for a test. Counting tests must not see a slow answer (a busy machine, a model
 * loading in the same isolate) as a backend failure, so the timeouts are long unless a test sets them.
 */
const limits = (settings: { default?: object; ip?: object; [key: string]: unknown }) => ({
  RATE_LIMITS: JSON.stringify({
    ...settings,
    default: { timeoutMs: 10_000, ...settings.default },
    ip: { timeoutMs: 10_000, ...settings.ip },
    reads: { timeoutMs: 10_000, ...(settings.reads as object) },
  }),
});
const viaRedis = (url = bridge.url, token = bridge.token) => ({
  UPSTASH_REDIS_REST_URL: url,
  UPSTASH_REDIS_REST_TOKEN: token,
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * Counting tests start well inside a window: a sliding window weighs the previous window's count,
 * so a run that straddles a boundary would admit a little more than the limit, by design.
 */
async function awayFromWindowEdge(windowMs: number, marginMs = 15_000) {
  const left = windowMs - (Date.now() % windowMs);
  if (left < marginMs) await sleep(left + 50);
}
/** A body as it is, of a media type. */
const sendRaw = (
  w: TestWorker,
  path: string,
  headers: Record<string, string>,
  body: string,
  type = "application/json",
) => w.fetch(path, { method: "POST", headers: { "content-type": type, ...headers }, body });
const jsonWith = (headers: Record<string, string>) => ({ "content-type": "application/json", ...headers });
/** A JSON body of `bytes` bytes sent chunked, without a Content-Length: only reading it finds its size. */
const sendChunked = (w: TestWorker, path: string, headers: Record<string, string>, bytes: number) =>
  w.fetch(path, {
    method: "POST",
    headers: jsonWith(headers),
    body: new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(`[${"0,".repeat(bytes / 2)}0]`));
        controller.close();
      },
    }),
    duplex: "half",
  } as RequestInit);
/** A subject per test, so tests sharing one Redis do not share counters. */
const subject = () => `user-${crypto.randomUUID()}`;

async function as(sub: string, scope = "infer:* models:read", claims: Record<string, unknown> = {}) {
  return { authorization: `Bearer ${await tokenWithScopes(scope, { sub, ...claims })}` };
}
const frame = new Array(512).fill(0);
/** One inference: what a function's limit counts. */
const callVad = (w: TestWorker, headers: Record<string, string>) =>
  postJson(w, "/v1/functions/vad", { audio: frame }, headers);
const vadBatch = (n: number) => ({
  inputs: [
    { name: "input", datatype: "FP32", shape: [n, 512], data: new Array(n * 512).fill(0) },
    { name: "state", datatype: "FP32", shape: [2, n, 128], data: new Array(2 * n * 128).fill(0) },
    { name: "sr", datatype: "INT64", shape: [], data: [16000] },
  ],
});

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
    const responses = await Promise.all(Array.from({ length: 3 * L }, () => callVad(w, headers)));
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
    const w = await worker({ ...backend(), ...limits({ functions: { vad: { limit: 3, window: "10 s" } } }) });
    const headers = await as(subject());
    const remaining: string[] = [];
    const msLeftInWindow = () => 10_000 - (Date.now() % 10_000);
    await awayFromWindowEdge(10_000, 7000);
    for (let i = 0; i < 3; i++) {
      const response = await callVad(w, headers);
      expect(response.status).toBe(200);
      remaining.push(response.headers.get("ratelimit-remaining") as string);
    }
    expect(remaining).toEqual(["2", "1", "0"]);
    const leftWhenSent = msLeftInWindow();
    const refused = await callVad(w, headers);
    const leftWhenAnswered = msLeftInWindow();
    expect(refused.status).toBe(429);
    // The window ends at the next multiple of 10 s: Retry-After and RateLimit-Reset say when, as
    // counted at some moment between sending and the answer.
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(leftWhenAnswered).toBeLessThan(leftWhenSent);
    expect(retryAfter).toBeGreaterThanOrEqual(Math.ceil(leftWhenAnswered / 1000));
    expect(retryAfter).toBeLessThanOrEqual(Math.ceil(leftWhenSent / 1000));
    expect(refused.headers.get("ratelimit-reset")).toBe(String(retryAfter));
    await sleep(retryAfter * 1000 + 100);
    expect((await callVad(w, headers)).status).toBe(200);
  });

  it("refills a token bucket at its rate", async () => {
    const bucket = { algorithm: "token-bucket", limit: 2, refillRate: 1, window: "8 s" };
    const w = await worker({ ...backend(), ...limits({ functions: { "text-detect": bucket } }) });
    const headers = await as(subject());
    const page = { height: 32, width: 32, tensor: new Array(3 * 32 * 32).fill(0) };
    const detect = () => postJson(w, "/v1/functions/text-detect", page, headers);
    await detect(); // loads the model, so the counted requests below follow each other closely
    await sleep(8100); // the bucket is full again
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await detect()).status);
    expect(statuses).toEqual([200, 200, 429]);
    const refused = await detect();
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(8);
    await sleep(retryAfter * 1000 + 100);
    expect((await detect()).status).toBe(200);
  });

  it("charges a batch its size, on every function with a batch dimension", async () => {
    const w = await worker({
      ...backend(),
      ...limits({ functions: { "text-orientation": { limit: 8 }, vad: { limit: 25 } } }),
    });
    const headers = await as(subject());
    const batch = (n: number) => ({
      inputs: [{ name: "x", datatype: "FP32", shape: [n, 3, 48, 192], data: new Array(n * 27648).fill(0) }],
    });
    await awayFromWindowEdge(60_000);
    const first = await postJson(w, "/v2/models/text-orientation/infer", batch(5), headers);
    expect(first.status).toBe(200);
    expect(first.headers.get("ratelimit-remaining")).toBe("3");
    expect((await postJson(w, "/v2/models/text-orientation/infer", batch(5), headers)).status).toBe(429);
    const frames = await postJson(w, "/v2/models/vad/infer", vadBatch(20), headers);
    expect(frames.status).toBe(200);
    expect(frames.headers.get("ratelimit-remaining")).toBe("5");
    expect((await postJson(w, "/v2/models/vad/infer", vadBatch(20), headers)).status).toBe(429);
  });

  it("gives reads (metadata, readiness, listings) their own budget, apart from inference", async () => {
    const w = await worker({ ...backend(), ...limits({ functions: { vad: { limit: 2 } }, reads: { limit: 4 } }) });
    const headers = await as(subject());
    await awayFromWindowEdge(60_000);
    const reads = [];
    for (const path of ["/v2/models/vad", "/v2/models/vad/ready", "/v1/functions", "/v2", "/v2/models/vad"])
      reads.push((await w.fetch(path, { headers })).status);
    expect(reads).toEqual([200, 200, 200, 200, 429]);
    expect((await callVad(w, headers)).status).toBe(200);
    expect((await callVad(w, headers)).status).toBe(200);
    expect((await callVad(w, headers)).status).toBe(429);
  });

  it("keeps principals apart whatever their names contain (tenant a:b + subject c is not tenant a + subject b:c)", async () => {
    const w = await worker({ ...backend(), ...limits({ functions: { vad: { limit: 1 } } }) });
    const id = crypto.randomUUID();
    await awayFromWindowEdge(60_000);
    const first = await as(`c-${id}`, "infer:*", { tid: `a:b` });
    const second = await as(`b:c-${id}`, "infer:*", { tid: "a" });
    expect((await callVad(w, first)).status).toBe(200);
    expect((await callVad(w, second)).status).toBe(200);
    expect((await callVad(w, first)).status).toBe(429);
  });

  it("limits each principal and function on its own, by tier", async () => {
    const settings = { functions: { vad: { limit: 2 } }, tiers: { pro: { "*": { limit: 5 } } } };
    const w = await worker({ ...backend(), ...limits(settings) });
    const count = async (headers: Record<string, string>, fn = "vad") => {
      const body = fn === "vad" ? { audio: frame } : { height: 32, width: 32, tensor: new Array(3072).fill(0) };
      let admitted = 0;
      for (let i = 0; i < 7; i++)
        if ((await postJson(w, `/v1/functions/${fn}`, body, headers)).status === 200) admitted++;
      return admitted;
    };
    const free = await as(subject());
    await awayFromWindowEdge(60_000);
    expect(await count(free)).toBe(2);
    expect(await count(await as(subject()))).toBe(2);
    expect(await count(free, "text-detect")).toBeGreaterThan(2);
    const pro = {
      authorization: `Bearer ${await sign(await testIssuerKey(), { claims: { sub: subject(), scope: "infer:*", tier: "pro" } })}`,
    };
    expect(await count(pro)).toBe(5);
  });

  describe("the per-principal count runs while the input is read and validated; its refusal comes first", () => {
    const oipFrame = vadBatch(1);
    /** Bad requests on both inference routes, each a way the input alone would be refused. */
    const badRequests: [string, number, (w: TestWorker, headers: Record<string, string>) => Promise<Response>][] = [
      ["v1, malformed JSON", 400, (w, h) => sendRaw(w, "/v1/functions/vad", h, "{not json")],
      ["v1, invalid input", 400, (w, h) => postJson(w, "/v1/functions/vad", { audio: [1, 2, 3] }, h)],
      ["v1, not JSON", 415, (w, h) => sendRaw(w, "/v1/functions/vad", h, "{}", "text/plain")],
      // Refused by its Content-Length before it is read: on a connection of its own.
      ["v1, oversized", 413, (w, h) => requestOnce(w, "/v1/functions/vad", jsonWith(h), "x".repeat(70 * 1024))],
      ["v1, oversized while streaming", 413, (w, h) => sendChunked(w, "/v1/functions/vad", h, 70 * 1024)],
      ["OIP, malformed", 400, (w, h) => postJson(w, "/v2/models/vad/infer", { inputs: [{ name: "input" }] }, h)],
      ["OIP, oversized", 413, (w, h) => requestOnce(w, "/v2/models/vad/infer", jsonWith(h), "x".repeat(70 * 1024))],
    ];

    it.each(badRequests)("%s: under the limit, the input's own refusal (%i)", async (_, status, send) => {
      const w = await worker({ ...backend(), ...limits({ functions: { vad: { limit: 5 } } }) });
      const response = await send(w, await as(subject()));
      expect(response.status).toBe(status);
    });

    it.each(badRequests)("%s: over the limit, 429 and never the input's refusal", async (_, _status, send) => {
      const w = await worker({ ...backend(), ...limits({ functions: { vad: { limit: 1 } } }) });
      // A principal of its own, so the refusal is counted by the store, not remembered by the isolate.
      const headers = await as(subject());
      await awayFromWindowEdge(60_000);
      const admitted = await callVad(w, headers);
      expect(admitted.status).toBe(200);
      expect(await admitted.json()).toHaveProperty("speechProbability");
      const refused = await send(w, headers);
      expect(refused.status).toBe(429);
      expect(await refused.json()).toMatchObject({ code: "rate_limited" });
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(refused.headers.get("ratelimit-remaining")).toBe("0");
    });

    it("an over-limit request with a well-formed body is refused before any model work; admitted ones are served", async () => {
      const w = await worker({ ...backend(), ...limits({ functions: { vad: { limit: 2 } } }) });
      const headers = await as(subject());
      await awayFromWindowEdge(60_000);
      expect((await callVad(w, headers)).status).toBe(200);
      const oip = await postJson(w, "/v2/models/vad/infer", oipFrame, headers);
      expect(oip.status).toBe(200);
      expect(((await oip.json()) as { outputs: unknown[] }).outputs.length).toBeGreaterThan(0);
      expect((await callVad(w, headers)).status).toBe(429);
      expect((await postJson(w, "/v2/models/vad/infer", oipFrame, headers)).status).toBe(429);
      // The audit log names the key of a model that ran: the served requests only.
      const { logged } = await drained(w, 4);
      const refusals = logged.filter((e) => e.status === 429);
      expect(refusals).toHaveLength(2);
      for (const event of refusals) expect(event.model?.kid).toBeUndefined();
      expect(logged.filter((e) => e.status === 200 && e.model?.kid !== undefined)).toHaveLength(2);
    });
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

  it("counts an IPv6 client by its /64 (every spelling of it), and IPv4-mapped IPv6 as the IPv4 address", async () => {
    const w = await worker({ ...backend(), ...limits({ ip: { limit: 3 } }) });
    const net = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:1`;
    const from = (ip: string) => w.anonymous("/v2", { headers: { "cf-connecting-ip": ip } });
    await awayFromWindowEdge(60_000);
    const statuses = [];
    for (const ip of [`${net}::1`, `${net}:0:0:0:2`, `${net.toUpperCase()}::abcd:3`, `${net}::4`])
      statuses.push((await from(ip)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    expect((await from(`${net.replace(/:1$/, ":2")}::1`)).status).toBe(401);
    const v4 = `192.0.2.${Math.floor(Math.random() * 250)}`;
    for (let i = 0; i < 3; i++) expect((await from(v4)).status).toBe(401);
    expect((await from(`::ffff:${v4}`)).status).toBe(429);
  });

  it("counts IPv6 by another prefix when RATE_LIMITS.ip.ipv6Prefix says so", async () => {
    const w = await worker({ ...backend(), ...limits({ ip: { limit: 1, ipv6Prefix: 128 } }) });
    const net = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:1`;
    const from = (ip: string) => w.anonymous("/v2", { headers: { "cf-connecting-ip": ip } });
    await awayFromWindowEdge(60_000);
    expect((await from(`${net}::1`)).status).toBe(401);
    expect((await from(`${net}::2`)).status).toBe(401);
    expect((await from(`${net}::1`)).status).toBe(429);
  });
});

describe("with two separate worker processes sharing one Redis", () => {
  it("admits exactly L of 3L requests spread over both", async () => {
    const L = 12;
    const settings = { ...viaRedis(), ...limits({ functions: { vad: { limit: L, window: "1 m" } } }) };
    const [a, b] = await Promise.all([worker(settings), worker(settings)]);
    const headers = await as(subject());
    await awayFromWindowEdge(60_000);
    const responses = await Promise.all(Array.from({ length: 3 * L }, (_, i) => callVad(i % 2 ? a : b, headers)));
    const admitted = responses.filter((r) => r.status === 200).length;
    expect(admitted).toBe(L);
    expect(responses.filter((r) => r.status === 429)).toHaveLength(2 * L);
  });
});

describe("when Redis fails or is slow, each function's policy decides", () => {
  /** Fault injector: an "Upstash" that holds every request and never answers until closed. */
  async function silentUpstash(): Promise<{ url: string; close(): void }> {
    const server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => {
        server.closeAllConnections();
        server.close();
      },
    };
  }

  it.each([
    ["Redis refuses connections", async () => ({ url: "http://127.0.0.1:9", close: () => undefined })],
    [
      // Only the limiter's own timeout can answer: the test would time out waiting for Redis.
      "Redis never answers",
      silentUpstash,
    ],
  ])("%s: vad fails open, text-orientation fails closed with 503", async (_, upstream) => {
    const { url, close } = await upstream();
    const w = await worker({
      ...viaRedis(url, "token"),
      ...limits({ default: { timeoutMs: 300 }, ip: { timeoutMs: 300 } }),
    });
    const headers = await as(subject());
    const open = await postJson(w, "/v1/functions/vad", { audio: new Array(512).fill(0) }, headers);
    expect(open.status).toBe(200);
    expect(open.headers.get("ratelimit-limit")).toBeNull();
    const closed = await postJson(w, "/v1/functions/text-orientation", { tensor: new Array(27648).fill(0) }, headers);
    expect(closed.status).toBe(503);
    expect(await closed.json()).toMatchObject({ code: "rate_limit_unavailable" });
    expect(closed.headers.get("retry-after")).toBe("1");
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

describe("with Cloudflare's Rate Limiting binding for the per-address limit", () => {
  const badToken = (ip: string) => ({ "cf-connecting-ip": ip, authorization: "Bearer not.a.token" });
  const randomIp = () => `203.0.113.${Math.floor(Math.random() * 250)}`;

  it("refuses the (N+1)th request of an address within the period, with Retry-After; other addresses are unaffected", async () => {
    const w = await worker(limits({}), { ipRateLimiter: { limit: 3, period: 60 } });
    const address = randomIp();
    // Miniflare's binding counts in windows aligned to the period: start well inside one.
    await awayFromWindowEdge(60_000);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await w.anonymous("/v2/models/vad", { headers: badToken(address) }));
    expect(answers.map((r) => r.status)).toEqual([401, 401, 401, 429]);
    const refused = answers[3];
    expect(await refused.json()).toMatchObject({ code: "rate_limited" });
    expect(refused.headers.get("retry-after")).toBe("60");
    // The binding tells no count: no RateLimit-* header claims one, but for the refusal's nothing left.
    expect(answers.map((r) => r.headers.get("ratelimit-remaining"))).toEqual([null, null, null, "0"]);
    for (const answer of answers) expect(answer.headers.get("ratelimit-limit")).toBeNull();
    const bystander = await w.anonymous("/v2/models/vad", { headers: badToken(address.replace(/\.\d+$/, ".251")) });
    expect(bystander.status).toBe(401);
    const { logged } = await drained(w, 5);
    const refusal = logged.find((e) => e.status === 429);
    expect(refusal?.rateLimits).toEqual([
      { scope: "ip", backend: "rate-limiting-binding", allowed: false, remaining: 0, outcome: "counted" },
    ]);
  });

  it.each(backends)("keeps the per-principal limit in %s", async (_, backend) => {
    const w = await worker(
      { ...backend(), ...limits({ functions: { vad: { limit: 2 } } }) },
      { ipRateLimiter: { limit: 100, period: 60 } },
    );
    const headers = { ...(await as(subject())), "cf-connecting-ip": randomIp() };
    await awayFromWindowEdge(60_000);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await callVad(w, headers));
    expect(statuses.map((r) => r.status)).toEqual([200, 200, 429]);
    // The principal's store tells its count.
    expect(statuses[2].headers.get("ratelimit-limit")).toBe("2");
    expect(statuses[2].headers.get("ratelimit-remaining")).toBe("0");
    const { logged } = await drained(w, 3);
    const refusal = logged.find((e) => e.status === 429);
    const store = Object.keys(backend()).length > 0 ? "upstash" : "durable-object";
    expect(refusal?.rateLimits).toEqual([
      expect.objectContaining({ scope: "ip", backend: "rate-limiting-binding", allowed: true }),
      expect.objectContaining({ scope: "principal", backend: store, allowed: false, remaining: 0 }),
    ]);
  });

  it("refuses RATE_LIMITS that also set the per-address limit, naming the field", async () => {
    const w = await worker(limits({ ip: { limit: 50 } }), { ipRateLimiter: { limit: 100, period: 60 } });
    const response = await callVad(w, await as(subject()));
    expect(response.status).toBe(503);
    const body = (await response.json()) as { code: string; error: string };
    expect(body.code).toBe("rate_limit_not_configured");
    expect(body.error).toContain("RATE_LIMITS.ip.limit");
    expect((await w.anonymous("/v2/health/ready")).status).toBe(503);
  });

  it("a failing binding (fault injector) follows the IP policy: open by default, 503 when closed", async () => {
    const open = await worker(limits({}), { ipRateLimiter: "fault-injector" });
    const admitted = await callVad(open, await as(subject()));
    expect(admitted.status).toBe(200);
    const { logged } = await drained(open, 1);
    expect(logged[0].rateLimits).toContainEqual({
      scope: "ip",
      backend: "rate-limiting-binding",
      allowed: true,
      outcome: "fail-open",
    });
    const closed = await worker(limits({ ip: { onBackendFailure: "closed" } }), { ipRateLimiter: "fault-injector" });
    const refused = await callVad(closed, await as(subject()));
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ code: "rate_limit_unavailable" });
  });
});

describe("configuration", () => {
  it("a malformed RATE_LIMITS closes the limited routes with 503 and names the problem", async () => {
    const w = await worker(limits({ functions: { vad: { limit: -1 } } }));
    const response = await callVad(w, {});
    expect(response.status).toBe(503);
    const body = (await response.json()) as { code: string; error: string };
    expect(body.code).toBe("rate_limit_not_configured");
    expect(body.error).toContain("RATE_LIMITS.functions.vad.limit");
    expect((await w.anonymous("/v2/health/ready")).status).toBe(503);
  });
});
