/**
 * Model versions without a redeploy: `npm run models -- promote | rollback | canary` (an admin
 * token) choose which of a function's declared versions answers requests that name none; the
 * answer and the audit event name the version that answered; a canary sends a stable share of
 * principals to another version; and a change made elsewhere (the controls object written
 * directly, as another isolate would) reaches this isolate within CONTROLS_CACHE_MS.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditEvent } from "../src/audit/types";
import { drained } from "./audit-log";
import { operatorCli, postJson, startWorker, type TestWorker, tokenWithScopes } from "./worker";

const INPUT = { inputs: [{ name: "x", datatype: "FP32", shape: [1, 784], data: new Array(784).fill(0) }] };

const models = (worker: TestWorker, ...args: string[]) => operatorCli(worker, "models", args);

/** The version that answered an OIP infer naming none, for `sub`. */
async function answeredBy(worker: TestWorker, sub = "alice") {
  const authorization = `Bearer ${await tokenWithScopes("infer:digits", { sub })}`;
  const response = await postJson(worker, "/v2/models/digits/infer", INPUT, { authorization });
  expect(response.status).toBe(200);
  return ((await response.json()) as { model_version: string }).model_version;
}

describe("model versions", () => {
  let worker: TestWorker;
  let requests = 0;
  beforeAll(async () => {
    worker = await startWorker();
  });
  afterAll(() => worker?.dispose());
  const counted = <T>(request: Promise<T>) => {
    requests++;
    return request;
  };

  it("promotes a declared version, rolls back to the one before, and has nothing further to roll back to", async () => {
    expect(await counted(answeredBy(worker))).toBe("1");
    expect(
      (await counted(models(worker, "promote", "digits", "dp", "--reason", "DP release 2026-11"))).stdout,
    ).toContain("digits: default dp (was 1)");
    expect(await counted(answeredBy(worker))).toBe("dp");
    // A request naming a version is served by it, whatever the default.
    const named = await counted(
      postJson(worker, "/v2/models/digits/versions/1/infer", INPUT, {
        authorization: `Bearer ${await tokenWithScopes("infer:digits")}`,
      }),
    );
    expect(((await named.json()) as { model_version: string }).model_version).toBe("1");

    expect((await counted(models(worker, "rollback", "digits"))).stdout).toContain("digits: default 1 (was dp)");
    expect(await counted(answeredBy(worker))).toBe("1");
    await expect(counted(models(worker, "rollback", "digits"))).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("nothing_to_roll_back"),
    });
    await expect(counted(models(worker, "promote", "digits", "7"))).rejects.toMatchObject({
      stderr: expect.stringContaining("model_version_not_found"),
    });
  });

  it("sends a canary's share of principals to its version, each principal always to the same one", async () => {
    await counted(models(worker, "canary", "digits", "dp", "--percent", "50"));
    const principals = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    const first = [];
    for (const sub of principals) first.push(await counted(answeredBy(worker, sub)));
    for (const [i, sub] of principals.entries()) expect(await counted(answeredBy(worker, sub))).toBe(first[i]);
    const share = first.filter((v) => v === "dp").length / principals.length;
    console.log(`canary: ${(share * 100).toFixed(0)}% of ${principals.length} principals on dp at 50%`);
    // Binomial(40, 0.5): 25% to 75% is 3.2 standard deviations either side.
    expect(share).toBeGreaterThan(0.25);
    expect(share).toBeLessThan(0.75);

    await counted(models(worker, "canary", "digits", "dp", "--percent", "0"));
    for (const sub of principals.slice(0, 10)) expect(await counted(answeredBy(worker, sub))).toBe("1");
  });

  it("records each change in the audit log under the operator, and every answer's version", async () => {
    const { logged } = await drained(worker, requests);
    const events = logged as AuditEvent[];
    const changes = events.filter((e) => e.control && e.status === 200).map((e) => e.control);
    expect(changes.map((c) => c && "from" in c && [c.action, c.from, c.to])).toEqual([
      ["promote", "1", "dp"],
      ["rollback", "dp", "1"],
      ["canary", "1", "1"],
      ["canary", "1", "1"],
    ]);
    expect(changes[0]?.reason).toBe("DP release 2026-11");
    const served = events.filter((e) => e.route === "/v2/models/:name/infer" && e.status === 200);
    expect(new Set(served.map((e) => e.model?.version))).toEqual(new Set(["1", "dp"]));
  });
});

describe("a rollback made in another isolate", () => {
  it("reaches this isolate within CONTROLS_CACHE_MS", async () => {
    const worker = await startWorker({ vars: { CONTROLS_CACHE_MS: "1000" } });
    try {
      const controls = await worker.functionControls("digits");
      await controls.promote("dp", "1");
      await controls.rollback("1");
      await controls.promote("dp", "1");
      expect(await answeredBy(worker)).toBe("dp");
      await controls.rollback("1");
      const rolledBackAt = performance.now();
      let version = await answeredBy(worker);
      while (version === "dp" && performance.now() - rolledBackAt < 30_000) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        version = await answeredBy(worker);
      }
      console.log(`rollback: this isolate followed after ${(performance.now() - rolledBackAt).toFixed(0)} ms`);
      expect(version).toBe("1");
    } finally {
      await worker.dispose();
    }
  });
});
