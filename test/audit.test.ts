/**
 * The audit log against the real worker, local Queues, R2 and Durable Objects: one event per
 * request whatever its outcome, nothing lost or duplicated, failures retried or dead-lettered,
 * private by construction, and every kind of tampering found by `npm run audit -- verify`.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { HEAD_KEY, importSigningKey, sealHead } from "../src/audit/chain";
import { readVerifiedLog } from "../src/audit/read";
import { AUDIT_SCHEMA, type AuditEvent } from "../src/audit/types";
import { base64url } from "../src/models/base64url";
import { hex } from "../src/models/envelope";
import { readAuditObjects } from "../tools/local-state";
import { auditObjects, drained, eventsIn } from "./audit-log";
import { parseCsv } from "./csv";
import { manifestOf, servedKeys, toneFrame } from "./reference";
import { auditSecrets, postJson, startWorker, type TestWorker, tokenWithScopes } from "./worker";

const scratch = mkdtempSync(path.join(tmpdir(), "bastion-audit-"));
const workers: TestWorker[] = [];
afterAll(async () => {
  await Promise.all(workers.splice(0).map((w) => w.dispose()));
  rmSync(scratch, { recursive: true, force: true });
});
async function worker(options: Parameters<typeof startWorker>[0] = {}) {
  const started = await startWorker(options);
  workers.push(started);
  return started;
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const noIpLimit = { ip: { limit: 1_000_000 } };

const cli = (args: string[]) =>
  promisify(execFile)(process.execPath, ["--import", "tsx", "tools/audit.ts", ...args], {
    env: { ...process.env, AUDIT_SIGNING_KEY: auditSecrets.AUDIT_SIGNING_KEY },
    maxBuffer: 64 << 20,
  }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
  );

describe("2,000 requests of mixed outcomes", () => {
  const state = path.join(scratch, "state");

  it("leave exactly 2,000 events, one per request, none duplicated, outcomes as answered, chain verified", async () => {
    const w = await worker({
      persistTo: state,
      vars: { RATE_LIMITS: JSON.stringify({ ...noIpLimit, functions: { vad: { limit: 700 } } }) },
    });
    await w.models.delete(servedKeys(await manifestOf("ppocr-det")).envelope);
    const caller = `Bearer ${await tokenWithScopes("infer:*", { sub: "auditor-1" })}`;
    // May read the function's model card, not invoke it: 403.
    const readOnly = `Bearer ${await tokenWithScopes("models:read", { sub: "auditor-2" })}`;
    const audio = toneFrame(0);
    const request = (i: number): Promise<Response> => {
      const kind = i % 10;
      if (kind < 5) return postJson(w, "/v1/functions/vad", { audio }, { authorization: caller });
      if (kind === 5) return w.anonymous("/v1/functions/vad", { method: "POST", body: "{}" });
      if (kind === 6) return postJson(w, "/v1/functions/vad", { audio }, { authorization: readOnly });
      if (kind === 7) return postJson(w, "/v1/functions/vad", { audio: [1, 2] }, { authorization: caller });
      if (kind === 8) return postJson(w, "/v1/functions/no-such-function", {}, { authorization: caller });
      return postJson(
        w,
        "/v1/functions/text-detect",
        { height: 32, width: 32, tensor: new Array(3072).fill(0) },
        { authorization: caller },
      );
    };
    const answered = new Map<number, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < 2000) {
          const response = await request(next++);
          await response.arrayBuffer();
          answered.set(response.status, (answered.get(response.status) ?? 0) + 1);
        }
      }),
    );
    expect([...answered.keys()].sort()).toEqual([200, 400, 401, 403, 404, 429, 503]);

    const { logged, dead } = await drained(w, 2000);
    expect(dead).toHaveLength(0);
    expect(logged).toHaveLength(2000);
    expect(new Set(logged.map((e) => e.id)).size).toBe(2000);
    expect(new Set(logged.map((e) => e.requestId)).size).toBe(2000);
    const recorded = new Map<number, number>();
    for (const event of logged) recorded.set(event.status, (recorded.get(event.status) ?? 0) + 1);
    expect(Object.fromEntries(recorded)).toEqual(Object.fromEntries(answered));
    const outcomes = new Set(logged.map((e) => e.outcome));
    expect(outcomes).toEqual(
      new Set([
        "served",
        "rate_limited",
        "invalid_token",
        "forbidden",
        "invalid_input",
        "not_found",
        "model_unavailable",
      ]),
    );
    await w.dispose();

    const verified = await cli(["verify", "--persist-to", state]);
    expect(verified.stdout).toMatch(/\d+ objects, 2000 events: chain verified/);
    expect(verified.code).toBe(0);
  });

  it("export writes them by time and function, as NDJSON or CSV", async () => {
    const all = await cli(["export", "--persist-to", state, "--from", "2000-01-01", "--to", "2100-01-01"]);
    expect(all.code).toBe(0);
    expect(all.stdout.trim().split("\n")).toHaveLength(2000);
    const detect = await cli([
      "export",
      "--persist-to",
      state,
      "--from",
      "2000-01-01",
      "--to",
      "2100-01-01",
      "--function",
      "text-detect",
      "--format",
      "csv",
    ]);
    expect(detect.code).toBe(0);
    const [header, ...rows] = detect.stdout.trim().split("\n");
    expect(header.split(",").slice(0, 6)).toEqual(["id", "time", "request_id", "method", "route", "function"]);
    expect(rows).toHaveLength(200);
    expect(rows.every((row) => row.split(",")[5] === "text-detect")).toBe(true);
    const none = await cli(["export", "--persist-to", state, "--from", "2000-01-01", "--to", "2000-01-02"]);
    expect(none.stdout).toBe("");
  });

  it("export as CSV shows caller-controlled text as text, never as a spreadsheet formula", async () => {
    const csvState = path.join(scratch, "csv-state");
    const w = await worker({ persistTo: csvState });
    const tenant = '=HYPERLINK("http://x","y")';
    const authorization = `Bearer ${await tokenWithScopes("infer:vad", { sub: "mallory", tid: tenant })}`;
    const response = await postJson(
      w,
      "/v1/functions/vad",
      { audio: toneFrame(0) },
      { authorization, "x-request-id": "=A1-B1" },
    );
    expect(response.status).toBe(200);
    expect((await drained(w, 1)).logged).toHaveLength(1);
    await w.dispose();
    const exported = await cli([
      "export",
      "--persist-to",
      csvState,
      "--from",
      "2000-01-01",
      "--to",
      "2100-01-01",
      "--format",
      "csv",
    ]);
    expect(exported.code).toBe(0);
    const [header, row, ...rest] = parseCsv(exported.stdout);
    expect(rest).toEqual([]);
    const cells = Object.fromEntries(header.map((name, i) => [name, row[i]]));
    expect(cells.request_id).toBe("'=A1-B1");
    expect(cells.tenant).toBe(`'${tenant}`);
    expect(row.filter((cell) => /^[=+\-@\t\r]/.test(cell))).toEqual([]);
  });
});

describe("events", () => {
  it("carry what a reviewer needs and nothing private", async () => {
    const w = await worker({ vars: { RATE_LIMITS: JSON.stringify(noIpLimit) } });
    const token = `Bearer ${await tokenWithScopes("infer:*", { sub: "alice@example.com", client_id: "app-7", tid: "acme", tier: "pro" })}`;
    const audio = toneFrame(3);
    await postJson(w, "/v1/functions/vad", { audio }, { authorization: token, "cf-connecting-ip": "203.0.113.77" });
    await postJson(
      w,
      "/v1/functions/vad",
      { audio },
      { authorization: token, "cf-connecting-ip": "2001:db8:1234:5678::1" },
    );
    await w.anonymous("/v1/functions/vad", {
      method: "POST",
      body: "{}",
      headers: { "cf-connecting-ip": "198.51.100.9" },
    });
    const { logged } = await drained(w, 3);
    const [served, again, refused] = logged.sort((a, b) => a.time.localeCompare(b.time));
    expect(served).toMatchObject({
      schema: "bastion.audit/1",
      method: "POST",
      route: "/v1/functions/:name",
      function: "vad",
      model: { id: "silero-vad", version: "5", sha256: expect.stringMatching(/^[0-9a-f]{64}$/), kid: "test-key" },
      outcome: "served",
      status: 200,
      principal: { pseudonym: expect.stringMatching(/^[0-9a-f]{64}$/), clientId: "app-7", tenant: "acme", tier: "pro" },
      network: { ip: "203.0.113.0/24" },
      inputDigest: expect.stringMatching(/^[0-9a-f]{64}$/),
      output: { speech: expect.any(Boolean), speechProbability: expect.any(Number) },
      rateLimits: [
        expect.objectContaining({ scope: "ip", allowed: true }),
        expect.objectContaining({ scope: "principal", allowed: true }),
      ],
    });
    expect(served.latencyMs).toBeGreaterThanOrEqual(0);
    // The same person and the same input give the same pseudonym and digest; neither is readable.
    expect(again.principal?.pseudonym).toBe(served.principal?.pseudonym);
    expect(again.inputDigest).toBe(served.inputDigest);
    expect(again.network.ip).toBe("2001:db8:1234::/48");
    const text = JSON.stringify(logged);
    expect(text).not.toContain("alice");
    expect(text).not.toContain(String(audio[5]));
    expect(refused).toMatchObject({
      outcome: "invalid_token",
      status: 401,
      errorCode: "invalid_token",
      network: { ip: "198.51.100.0/24" },
    });
    expect(refused.principal).toBeUndefined();
  });

  it("are written once even when the queue delivers them twice", async () => {
    const w = await worker();
    await postJson(w, "/v1/functions/vad", { audio: toneFrame(0) });
    const [event] = (await drained(w, 1)).logged;
    await w.auditQueue.send(event);
    await w.auditQueue.sendBatch([{ body: event }, { body: event }]);
    await postJson(w, "/v1/functions/vad", { audio: toneFrame(1) });
    const { logged } = await drained(w, 2);
    await sleep(1500);
    const after = eventsIn(await auditObjects(w));
    expect(after.filter((e) => e.id === event.id)).toHaveLength(1);
    expect(after).toHaveLength(2);
    expect(logged.length).toBeLessThanOrEqual(2);
  });
});

describe("broken audit secrets close the protected routes instead of serving unaudited", () => {
  const random = (bytes: number) => crypto.getRandomValues(new Uint8Array(bytes));
  it.each([
    // What `openssl rand -base64 32` prints: standard base64, padded.
    ["a pepper that is not base64url", "AUDIT_PEPPER", Buffer.from(random(32)).toString("base64"), /not base64url/],
    ["a 16-byte pepper", "AUDIT_PEPPER", base64url.encode(random(16)), /shorter than 32 bytes/],
    ["no pepper", "AUDIT_PEPPER", "", /the AUDIT_PEPPER secret is not configured/],
    ["no signing key", "AUDIT_SIGNING_KEY", "", /the AUDIT_SIGNING_KEY secret is not configured/],
    ["a 20-byte signing key", "AUDIT_SIGNING_KEY", base64url.encode(random(20)), /shorter than 32 bytes/],
  ])("%s: 503 audit_not_configured, naming the secret, and not ready", async (_, name, value, why) => {
    const w = await worker({ vars: { [name]: value } });
    const response = await postJson(w, "/v1/functions/vad", { audio: toneFrame(0) });
    expect(response.status).toBe(503);
    const body = (await response.json()) as { code: string; error: string };
    expect(body.code).toBe("audit_not_configured");
    expect(body.error).toContain(name);
    expect(body.error).toMatch(why);
    if (value) expect(JSON.stringify(body)).not.toContain(value);
    expect((await w.anonymous("/v2/health/ready")).status).toBe(503);
    await w.dispose();
  });
});

describe("failed R2 writes (fault injector: the log's first N writes fail)", () => {
  const send = async (w: TestWorker, n: number) => {
    for (let i = 0; i < n; i++)
      expect((await postJson(w, "/v1/functions/vad", { audio: toneFrame(i) })).status).toBe(200);
  };

  it("are retried with back-off until they land, nothing lost or doubled", async () => {
    const w = await worker({ vars: { AUDIT_FAULT_INJECTION: "fail-writes:2", AUDIT_RETRY_DELAY_SECONDS: "1" } });
    await send(w, 30);
    const { logged, dead } = await drained(w, 30);
    expect(dead).toHaveLength(0);
    expect(logged).toHaveLength(30);
    expect(new Set(logged.map((e) => e.id)).size).toBe(30);
  });

  it("that never succeed end in the dead-letter store, with the counts adding up", async () => {
    const w = await worker({
      auditMaxRetries: 2,
      vars: { AUDIT_FAULT_INJECTION: "fail-writes:1000", AUDIT_RETRY_DELAY_SECONDS: "0" },
    });
    await send(w, 20);
    const { logged, dead } = await drained(w, 20);
    expect(logged).toHaveLength(0);
    expect(new Set(dead.map((e) => e.id)).size).toBe(20);
  });
});

describe("a head write that fails after its object landed (fault injector)", () => {
  /** An event as the worker sends it, at `time`, with a fresh id. */
  const eventAt = (time: string): AuditEvent => ({
    schema: AUDIT_SCHEMA,
    id: crypto.randomUUID(),
    time,
    requestId: crypto.randomUUID(),
    method: "POST",
    route: "/v1/functions/:name",
    function: "vad",
    outcome: "served",
    status: 200,
    latencyMs: 1,
    network: {},
    rateLimits: [],
  });

  it("never lets two objects share a seq when the retried batch starts in another hour", async () => {
    const state = path.join(scratch, "journal-state");
    const w = await worker({
      persistTo: state,
      vars: { AUDIT_FAULT_INJECTION: "fail-head-writes:1", AUDIT_RETRY_DELAY_SECONDS: "3" },
    });
    // A batch whose first object (hour 10) lands in R2, but whose head write fails: the queue
    // retries the batch in 3 s, and its hour-11 event is only written then.
    const [ten, eleven] = [eventAt("2026-03-01T10:00:00.000Z"), eventAt("2026-03-01T11:00:00.000Z")];
    await w.auditQueue.sendBatch([{ body: ten }, { body: eleven }]);
    const deadline = Date.now() + 150_000;
    while (!(await auditObjects(w)).some((o) => o.name.includes("/hour=10/"))) {
      expect(Date.now()).toBeLessThan(deadline);
      await sleep(100);
    }
    // Meanwhile an event of an earlier hour: without the journal it would be sealed with the seq
    // the hour-10 object already holds, under another key.
    const nine = eventAt("2026-03-01T09:00:00.000Z");
    await w.auditQueue.send(nine);
    // The hour-11 event is in the log once the retry was written, whichever came first.
    const { logged, dead } = await drained(w, 3);
    expect(dead).toHaveLength(0);
    expect(logged.map((e) => e.id).sort()).toEqual([nine.id, ten.id, eleven.id].sort());
    await w.dispose();
    const verified = await cli(["verify", "--persist-to", state]);
    expect(verified.stdout).toMatch(/3 events: chain verified/);
    expect(verified.code).toBe(0);
  });
});

describe("the local drain control (npm start's, with LOCAL_CONTROL_TOKEN)", () => {
  const drain = (w: TestWorker, authorization: string) =>
    w.fetch("/_local/drain", { method: "POST", headers: { authorization } });

  it("answers only its token; then refuses new requests and returns once every event is in the log", async () => {
    const token = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
    const w = await worker({ vars: { LOCAL_CONTROL_TOKEN: token, RATE_LIMITS: JSON.stringify(noIpLimit) } });
    const served = await Promise.all(
      Array.from({ length: 20 }, (_, i) => postJson(w, "/v1/functions/vad", { audio: toneFrame(i) })),
    );
    expect(served.map((r) => r.status)).toEqual(new Array(20).fill(200));
    // Any other credential finds an unknown path, audited like any request.
    expect((await drain(w, "Bearer not-the-token")).status).toBe(401);

    const drained = await drain(w, `Bearer ${token}`);
    expect(await drained.json()).toEqual({ requestsSettled: true, auditWritten: true });
    // No waiting: the drain answered only once the 21 events were written, the marker not among them.
    const logged = eventsIn(await auditObjects(w));
    expect(logged).toHaveLength(21);
    expect(logged.every((e) => e.schema === AUDIT_SCHEMA)).toBe(true);

    const refused = await postJson(w, "/v1/functions/vad", { audio: toneFrame(0) });
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ code: "shutting_down" });
    // Refused before the app: no request id, so no audit event either.
    expect(refused.headers.get("x-request-id")).toBeNull();
    expect((await w.anonymous("/v2/health/ready")).status).toBe(503);
  });

  it("does not exist without LOCAL_CONTROL_TOKEN, as in production", async () => {
    const w = await worker();
    const response = await w.fetch("/_local/drain", { method: "POST" });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: "not_found" });
    expect((await postJson(w, "/v1/functions/vad", { audio: toneFrame(0) })).status).toBe(200);
  });
});

describe("tampering", () => {
  it("is found and named by `npm run audit -- verify`, kind by kind", async () => {
    const w = await worker();
    // Four waves a consumer batch apart: four objects in the chain.
    for (let wave = 0; wave < 4; wave++) {
      for (let i = 0; i < 3; i++) await postJson(w, "/v1/functions/vad", { audio: toneFrame(i) });
      await drained(w, (wave + 1) * 3);
    }
    const original = await auditObjects(w);
    expect(original.length).toBeGreaterThanOrEqual(4);
    const copy = (name: string, change?: (files: Map<string, string>) => void) => {
      const files = new Map(original.map((o) => [o.name, o.body]));
      change?.(files);
      const dir = path.join(scratch, name);
      for (const [file, body] of files) {
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        writeFileSync(path.join(dir, file), body);
      }
      return dir;
    };
    const [first, second, third] = original.map((o) => o.name);
    const newest = original
      .map((o) => o.name)
      .filter((name) => name.endsWith(".ndjson"))
      .at(-1) as string;

    const intact = await cli(["verify", "--dir", copy("intact")]);
    expect(intact.code).toBe(0);
    expect(intact.stdout).toContain("chain verified");
    // A head read before the newest objects were written (the writer puts an object, then its head): not tampering.
    const secondBody = new TextEncoder().encode(original[1].body);
    const headAtSecond = await sealHead(
      { seq: 2, hash: hex(new Uint8Array(await crypto.subtle.digest("SHA-256", secondBody))) },
      await importSigningKey(auditSecrets.AUDIT_SIGNING_KEY),
    );
    const behind = await cli(["verify", "--dir", copy("head-behind", (f) => f.set(HEAD_KEY, headAtSecond))]);
    expect(behind.stdout).toContain("chain verified");
    expect(behind.code).toBe(0);

    const cases: [string, (files: Map<string, string>) => void, RegExp][] = [
      [
        "modified",
        (f) => f.set(second, (f.get(second) as string).replace('"status":200', '"status":201')),
        /seq 2\): events modified/,
      ],
      ["deleted", (f) => f.delete(second), /seq 2 is missing: an object was deleted/],
      [
        "inserted",
        (f) => f.set(second.replace(/\d{12}/, "000000000099"), f.get(first) as string),
        /seq 1 appears twice/,
      ],
      [
        "reordered",
        (f) => {
          const [a, b] = [f.get(second) as string, f.get(third) as string];
          f.set(second, b);
          f.set(third, a);
        },
        /holds seq 3 under the name of seq 2/,
      ],
      [
        "header edited",
        (f) => f.set(second, (f.get(second) as string).replace(/"events":\d+/, '"events":1')),
        /header MAC is invalid/,
      ],
      ["newest deleted", (f) => f.delete(newest), /the newest objects were deleted/],
      ["head deleted", (f) => f.delete("audit/head.json"), /head.json is missing/],
    ];
    for (const [kind, change, expected] of cases) {
      const result = await cli(["verify", "--dir", copy(kind, change)]);
      expect(result.code, kind).toBe(1);
      expect(result.stdout, kind).toMatch(expected);
    }
    const exported = await cli([
      "export",
      "--dir",
      copy("modified-export", cases[0][1]),
      "--from",
      "2000-01-01",
      "--to",
      "2100-01-01",
    ]);
    expect(exported.code).toBe(1);
  });

  it("is not reported while the worker writes: a log read mid-write verifies", async () => {
    const state = path.join(scratch, "state-mid-write");
    const w = await worker({ persistTo: state, vars: { RATE_LIMITS: JSON.stringify(noIpLimit) } });
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) await postJson(w, "/v1/functions/vad", { audio: toneFrame(i % 5) });
    })();
    try {
      const read = () => readAuditObjects({ persistTo: state });
      const reports = [];
      // Each read races the consumer's writes of objects and head.
      for (let round = 0; round < 15; round++)
        reports.push((await readVerifiedLog(read, auditSecrets.AUDIT_SIGNING_KEY)).report);
      expect(reports.flatMap((r) => r.problems)).toEqual([]);
      expect(reports.at(-1)?.events).toBeGreaterThan(reports[0].events);
    } finally {
      writing = false;
      await writer;
    }
  });
});
