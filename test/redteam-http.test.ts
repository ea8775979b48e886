/**
 * The red-team attacks against functions served by the real worker, over OIP: a `redteam` token
 * (its own tier, its own limits), the queries of concurrent examples merged into batches, and the
 * audit log showing every request as the red team's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { summarize } from "../src/robustness/metrics";
import { Random } from "../src/robustness/random";
import { runAttack } from "../src/robustness/run";
import { type HttpTarget, httpTarget } from "../src/robustness/targets/http";
import { drained } from "./audit-log";
import { toneFrame } from "./reference";
import { startWorker, type TestWorker, tokenWithScopes } from "./worker";

/** The red team's tier: limits of its own, far above the functions' defaults. */
const RATE_LIMITS = { tiers: { redteam: { "*": { limit: 100_000, window: "1 m" } } } };

describe("attacks on served functions, over OIP with a redteam token", () => {
  let worker: TestWorker;
  let token: string;
  const targets: HttpTarget[] = [];
  const target = async (functionName: string): Promise<HttpTarget> => {
    const made = await httpTarget({ baseUrl: worker.url.href, token, functionName });
    targets.push(made);
    return made;
  };

  beforeAll(async () => {
    worker = await startWorker({ vars: { RATE_LIMITS: JSON.stringify(RATE_LIMITS) } });
    token = await tokenWithScopes("infer:vad infer:text-orientation", { sub: "redteam", tier: "redteam" });
  });
  afterAll(() => worker?.dispose());

  it("SimBA moves vad's decision on 1-D audio, its queries batched across examples", async () => {
    const vad = await target("vad");
    expect(vad.tier).toBe("redteam");
    expect(vad.inputShape).toEqual([512]);
    const examples = [0, 1, 2].map((frame) => ({ data: Float32Array.from(toneFrame(frame)) }));
    const run = await runAttack(vad, examples, { attack: "simba", norm: "2", seed: 1, queries: 200, concurrency: 3 });
    const summary = summarize(run.results);
    console.log(`vad SimBA: ${JSON.stringify(summary)}; ${vad.requests} requests`);
    for (const r of run.results) expect(r.queries).toBeLessThanOrEqual(200);
    // Three examples in flight: their queries share requests.
    expect(vad.requests).toBeLessThan(summary.queries.total / 2);
  });

  it("Square attacks text-orientation's 3x48x192 tensors in batches", async () => {
    const orientation = await target("text-orientation");
    expect(orientation.inputShape).toEqual([3, 48, 192]);
    const random = new Random(5);
    const examples = [0, 1, 2].map(() => ({
      data: Float32Array.from({ length: 3 * 48 * 192 }, () => random.uniform(-1, 1)),
    }));
    const run = await runAttack(orientation, examples, {
      attack: "square",
      norm: "inf",
      eps: 0.2,
      queries: 40,
      seed: 1,
      concurrency: 3,
    });
    for (const r of run.results) {
      expect(r.queries).toBeLessThanOrEqual(40);
      expect(r.linf).toBeLessThanOrEqual(0.2 + 1e-6);
    }
    expect(orientation.requests).toBeLessThan(summarize(run.results).queries.total);
  });

  it("the audit log records every inference request under the redteam tier", async () => {
    // Per target: its metadata, the principal, one probe, then the attack's requests.
    const infersSent = targets.reduce((sum, t) => sum + 1 + t.requests, 0);
    const { logged } = await drained(worker, infersSent + 2 * targets.length);
    const infers = logged.filter((e) => e.route?.endsWith("/infer"));
    expect(infers).toHaveLength(infersSent);
    for (const event of infers) expect(event.principal?.tier).toBe("redteam");
  });
});
