/**
 * Human oversight: `npm run ops -- stop | resume` (an admin token) stops a function for everyone
 * or for one principal; its requests get 503 function_stopped with the public reason, everything
 * else keeps serving, and the stop and the resume are audit events naming the operator. A stop
 * taken elsewhere (written to the function's controls object directly, as another isolate would)
 * reaches this isolate within CONTROLS_CACHE_MS; at 0, on the very next request.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditEvent } from "../src/audit/types";
import { principalDigest } from "../src/auth/principal-digest";
import { drained } from "./audit-log";
import { operatorCli, postJson, startWorker, type TestWorker, tokenWithScopes } from "./worker";

const FRAME = { audio: new Array(512).fill(0) };
const PIXELS = { pixels: new Array(784).fill(0) };

const ops = (worker: TestWorker, scope: string, ...args: string[]) => operatorCli(worker, "ops", args, scope);

async function call(worker: TestWorker, path: string, body: unknown, sub?: string) {
  const headers: Record<string, string> = sub
    ? { authorization: `Bearer ${await tokenWithScopes("infer:*", { sub })}` }
    : {};
  const response = await postJson(worker, path, body, headers);
  return { status: response.status, ...((await response.json()) as { code?: string; error?: string }) };
}

describe("the stop switch", () => {
  let worker: TestWorker;
  let requests = 0;
  beforeAll(async () => {
    worker = await startWorker();
  });
  afterAll(() => worker?.dispose());

  const counted = async <T>(request: Promise<T>) => {
    requests++;
    return request;
  };

  it("stops a function from the CLI, tells callers the public reason, and resumes it", async () => {
    expect((await counted(call(worker, "/v1/functions/vad", FRAME))).status).toBe(200);
    const stopped = await counted(
      ops(
        worker,
        "admin",
        "stop",
        "vad",
        "--reason",
        "false alarms on hospital audio, ticket 41",
        "--public",
        "vad is paused for review",
      ),
    );
    expect(stopped.stdout).toContain("stopped vad; callers are told: vad is paused for review");

    expect(await counted(call(worker, "/v1/functions/vad", FRAME))).toMatchObject({
      status: 503,
      code: "function_stopped",
      error: "vad is paused for review",
    });
    const oip = await counted(worker.fetch("/v2/models/vad/ready"));
    expect({ status: oip.status, code: ((await oip.json()) as { code: string }).code }).toEqual({
      status: 503,
      code: "function_stopped",
    });
    // Everything else serves.
    expect((await counted(call(worker, "/v1/functions/digits", PIXELS))).status).toBe(200);

    const controls = JSON.parse((await counted(ops(worker, "admin", "controls", "vad"))).stdout);
    expect(controls).toMatchObject({
      function: "vad",
      stop: { reason: "false alarms on hospital audio, ticket 41", publicReason: "vad is paused for review" },
    });
    expect(controls.stop.operator).toBe(
      await principalDigest({ subject: "operator-ann", tier: "default", scopes: new Set() }),
    );

    expect((await counted(ops(worker, "admin", "resume", "vad", "--reason", "reviewed"))).stdout).toContain(
      "resumed vad",
    );
    expect((await counted(call(worker, "/v1/functions/vad", FRAME))).status).toBe(200);
  });

  it("stops a function for one principal only", async () => {
    await counted(ops(worker, "admin", "stop", "digits", "--reason", "scraping", "--sub", "mallory"));
    expect(await counted(call(worker, "/v1/functions/digits", PIXELS, "mallory"))).toMatchObject({
      status: 503,
      code: "function_stopped",
    });
    expect((await counted(call(worker, "/v1/functions/digits", PIXELS, "alice"))).status).toBe(200);
    await counted(ops(worker, "admin", "resume", "digits", "--sub", "mallory"));
    expect((await counted(call(worker, "/v1/functions/digits", PIXELS, "mallory"))).status).toBe(200);
  });

  it("is an operator's alone, and refuses malformed requests", async () => {
    await expect(counted(ops(worker, "infer:*", "stop", "vad", "--reason", "x"))).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("403"),
    });
    await expect(counted(ops(worker, "admin", "stop", "nope", "--reason", "x"))).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("function_not_found"),
    });
    const admin = `Bearer ${await tokenWithScopes("admin")}`;
    const noReason = await counted(postJson(worker, "/v1/admin/functions/vad/stop", {}, { authorization: admin }));
    expect(noReason.status).toBe(400);
    expect((await counted(call(worker, "/v1/functions/vad", FRAME))).status).toBe(200);
  });

  it("records each stop and resume in the audit log, naming the operator and the change", async () => {
    const { logged } = await drained(worker, requests);
    const changes = logged
      .map((event) => event as AuditEvent)
      .filter((event) => event.control !== undefined && event.status === 200);
    expect(
      changes.map((e) => [
        e.control?.action,
        e.control?.function,
        e.control !== undefined && "principal" in e.control && e.control.principal !== undefined,
      ]),
    ).toEqual([
      ["stop", "vad", false],
      ["resume", "vad", false],
      ["stop", "digits", true],
      ["resume", "digits", true],
    ]);
    expect(changes[0].control?.reason).toBe("false alarms on hospital audio, ticket 41");
    for (const change of changes) expect(change.principal?.pseudonym).toMatch(/^[0-9a-f]{64}$/);
    // The stopped principal appears as its digest only, never its subject.
    expect(JSON.stringify(logged)).not.toContain("mallory");
  });
});

describe("a stop taken in another isolate", () => {
  it.each([
    ["0", "on the very next request"],
    ["1000", "within the cache time"],
  ])("reaches this isolate with CONTROLS_CACHE_MS=%s, %s", async (cacheMs) => {
    const worker = await startWorker({ vars: { CONTROLS_CACHE_MS: cacheMs } });
    try {
      expect((await call(worker, "/v1/functions/vad", FRAME)).status).toBe(200);
      const controls = await worker.functionControls("vad");
      const operator = "A".repeat(43);
      await controls.stop({ reason: "elsewhere", publicReason: "stopped elsewhere", operator, at: Date.now() });
      const stoppedAt = performance.now();
      let answer = await call(worker, "/v1/functions/vad", FRAME);
      if (cacheMs === "0") expect(answer).toMatchObject({ status: 503, code: "function_stopped" });
      while (answer.status === 200 && performance.now() - stoppedAt < 30_000) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        answer = await call(worker, "/v1/functions/vad", FRAME);
      }
      console.log(
        `stop switch: followed after ${(performance.now() - stoppedAt).toFixed(0)} ms (CONTROLS_CACHE_MS=${cacheMs})`,
      );
      expect(answer).toMatchObject({ status: 503, code: "function_stopped", error: "stopped elsewhere" });
    } finally {
      await worker.dispose();
    }
  });
});
