/**
 * `GET /v1/usage` against the real worker, its audit log in local R2 and the PrivacyLedger Durable
 * Object (or a real redis-server): a tenant sees its own traffic only, each figure noisy and
 * integer, each query charged to the budget atomically, and a spent budget refused with 429.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UsageReport } from "../src/privacy/usage/schema";
import { type RedisBridge, startRedisBridge } from "../tools/redis-bridge";
import { type LocalRedis, startRedisServer } from "../tools/redis-server";
import { drained } from "./audit-log";
import { toneFrame } from "./reference";
import { postJson, startWorker, type TestWorker, tokenWithScopes } from "./worker";

const workers: TestWorker[] = [];
afterAll(async () => {
  await Promise.all(workers.splice(0).map((w) => w.dispose()));
});
async function worker(vars: Record<string, string>) {
  const started = await startWorker({ vars });
  workers.push(started);
  return started;
}
const today = () => new Date().toISOString().slice(0, 10);
const reader = (tenant: string) => tokenWithScopes("usage:read", { sub: `analyst-${tenant}`, tenant });
const getUsage = async (w: TestWorker, token: string, query = "") =>
  w.fetch(`/v1/usage${query}`, { headers: { authorization: `Bearer ${token}` } });

describe("usage statistics", () => {
  // A rho so large that sigma² = 1e-4: the noise is 0 with probability 1 - 1e-2000, so the counts
  // can be checked exactly; the mechanism is the same one that runs with the defaults.
  const EXACT = JSON.stringify({ rhoPerQuery: "1000000", budget: { rho: "100000000" }, contributionCap: 2 });

  it("count the tenant's own events per function, day and outcome, each subject capped, other tenants unseen", async () => {
    const w = await worker({ USAGE_STATISTICS: EXACT });
    const call = async (sub: string, tenant: string, body: unknown) =>
      (
        await postJson(w, "/v1/functions/vad", body, {
          authorization: `Bearer ${await tokenWithScopes("infer:vad", { sub, tenant })}`,
        })
      ).status;
    // acme: ann served 3 times (capped at 2), ben served once and refused once; globex: one served.
    const statuses = [
      await call("ann", "acme", { audio: toneFrame(0) }),
      await call("ann", "acme", { audio: toneFrame(1) }),
      await call("ann", "acme", { audio: toneFrame(2) }),
      await call("ben", "acme", { audio: toneFrame(3) }),
      await call("ben", "acme", { audio: [1, 2] }),
      await call("cat", "globex", { audio: toneFrame(0) }),
    ];
    expect(statuses).toEqual([200, 200, 200, 200, 400, 200]);
    await drained(w, 6);
    const response = await getUsage(w, await reader("acme"), `?from=${today()}&to=${today()}`);
    expect(response.status).toBe(200);
    const report = (await response.json()) as UsageReport;
    const count = (fn: string, outcome: string) =>
      report.counts.find((c) => c.function === fn && c.day === today() && c.outcome === outcome)?.count;
    expect(report.tenant).toBe("acme");
    expect(count("vad", "served")).toBe(3);
    expect(count("vad", "invalid_input")).toBe(1);
    expect(count("digits", "served")).toBe(0);
    expect(report.latency.filter((c) => c.function === "vad").reduce((sum, c) => sum + c.count, 0)).toBe(3);
    // Every function, outcome and bucket is a figure, and every figure says how far its noise goes.
    expect(report.counts).toHaveLength(4 * 10);
    expect(report.latency).toHaveLength(4 * 10);
    for (const figure of [...report.counts, ...report.latency]) {
      expect(Number.isSafeInteger(figure.count)).toBe(true);
      expect(figure.plusMinus95).toBe(report.privacy.plusMinus95);
    }
    expect(report.privacy).toMatchObject({ mechanism: "discrete_gaussian", unit: "subject", contributionCapPerDay: 2 });
  });

  it("spend the tenant's budget query by query, atomically, and refuse with 429 until the period renews", async () => {
    const w = await worker({ USAGE_STATISTICS: JSON.stringify({ rhoPerQuery: "0.25", budget: { rho: "1" } }) });
    const acme = await reader("acme");
    const first = (await (await getUsage(w, acme)).json()) as UsageReport;
    expect(first.privacy.rho).toBe(0.25);
    expect(first.budget).toMatchObject({ rho: 1, spentRho: 0.25, remainingRho: 0.75 });
    expect(first.budget.spentEpsilon).toBeCloseTo(first.privacy.epsilon, 9);
    expect(first.from).toBe(new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10));
    // Six at once for three quarters left: exactly three are charged, whatever the interleaving.
    const burst = await Promise.all(Array.from({ length: 6 }, () => getUsage(w, acme)));
    const statuses = burst.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
    const refused = burst.find((r) => r.status === 429) as Response;
    const body = await refused.json();
    expect(body).toMatchObject({ code: "privacy_budget_exhausted" });
    const renews = Date.parse(`${today()}T00:00:00Z`) + 86_400_000;
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(Date.now() + retryAfter * 1000).toBeGreaterThanOrEqual(renews - 1000);
    for (const r of burst) if (r !== refused) await r.arrayBuffer();
    // Another tenant has its own budget.
    expect((await getUsage(w, await reader("globex"))).status).toBe(200);
  });

  it("refuse callers without usage:read, and ranges that are not ranges", async () => {
    const w = await worker({});
    const caller = await tokenWithScopes("infer:* models:read", { sub: "x", tenant: "acme" });
    const forbidden = await getUsage(w, caller);
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ code: "insufficient_scope" });
    const acme = await reader("acme");
    const backwards = await getUsage(w, acme, "?from=2026-11-20&to=2026-11-10");
    expect(backwards.status).toBe(400);
    expect(await backwards.json()).toMatchObject({ code: "invalid_request" });
    const long = await getUsage(w, acme, "?from=2026-01-01&to=2026-11-10");
    expect(long.status).toBe(400);
    expect(await long.json()).toMatchObject({ code: "range_too_long" });
    const garbled = await getUsage(w, acme, "?from=yesterday");
    expect(garbled.status).toBe(400);
    // Refusals before the charge cost nothing: the default budget (10 queries) is untouched.
    const report = (await (await getUsage(w, acme)).json()) as UsageReport;
    expect(report.budget.spentRho).toBe(0.1);
  });
});

describe("privacy budgets in Redis", () => {
  let redis: LocalRedis;
  let bridge: RedisBridge;

  beforeAll(async () => {
    redis = await startRedisServer();
    bridge = await startRedisBridge({ redisUrl: redis.url, token: "budget-bridge-token" });
  });
  afterAll(async () => {
    await Promise.all(workers.splice(0).map((w) => w.dispose()));
    await bridge?.close();
    await redis?.stop();
  });

  it("are one ledger for two workers: a budget of three queries grants three of eight sent to both", async () => {
    const vars = {
      PRIVACY_STORE: "redis",
      UPSTASH_REDIS_REST_URL: bridge.url,
      UPSTASH_REDIS_REST_TOKEN: bridge.token,
      USAGE_STATISTICS: JSON.stringify({ rhoPerQuery: "0.5", budget: { rho: "1.5" } }),
    };
    const pair = [await worker(vars), await worker(vars)];
    const acme = await reader(`acme-${crypto.randomUUID()}`);
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => getUsage(pair[i % 2], acme)));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 200, 429, 429, 429, 429, 429]);
    for (const r of answers) await r.arrayBuffer();
  });
});
