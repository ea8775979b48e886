/**
 * Erasure by crypto-shredding and access, end to end with `npm run privacy` against the real worker,
 * its SubjectKeys Durable Objects (or a real redis-server) and the audit log in local R2: erase a
 * subject, verify the chain, and find no event of theirs by any means the CLIs offer.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditEvent } from "../src/audit/types";
import { type RedisBridge, startRedisBridge } from "../tools/redis-bridge";
import { type LocalRedis, startRedisServer } from "../tools/redis-server";
import { drained } from "./audit-log";
import { toneFrame } from "./reference";
import { auditSecrets, postJson, startWorker, type TestWorker, tokenWithScopes } from "./worker";

const scratch = mkdtempSync(path.join(tmpdir(), "bastion-erasure-"));
const workers: TestWorker[] = [];
afterAll(async () => {
  await Promise.all(workers.splice(0).map((w) => w.dispose()));
  rmSync(scratch, { recursive: true, force: true });
});

const run = (tool: string, args: string[]) =>
  promisify(execFile)(process.execPath, ["--import", "tsx", `tools/${tool}.ts`, ...args], {
    env: { ...process.env, AUDIT_SIGNING_KEY: auditSecrets.AUDIT_SIGNING_KEY },
    maxBuffer: 64 << 20,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
const ALL_TIME = ["--from", "2000-01-01", "--to", "2100-01-01"];
const parse = (ndjson: string) =>
  ndjson
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuditEvent);

/** Every byte of every file under `root`, as Latin-1 text (enough to find an ASCII subject). */
const everyFile = (root: string): string =>
  (readdirSync(root, { recursive: true }) as string[])
    .map((file) => path.join(root, file))
    .filter((file) => statSync(file).isFile())
    .map((file) => readFileSync(file).toString("latin1"))
    .join("\n");

describe("a subject's erasure and access, Durable Object store", () => {
  const state = path.join(scratch, "state");
  let w: TestWorker;
  let admin: string;
  const alice = `alice-${crypto.randomUUID()}`;
  const bob = `bob-${crypto.randomUUID()}`;
  const callAs = async (sub: string, tenant: string, frame: number) => {
    const token = await tokenWithScopes("infer:vad", { sub, tenant });
    const response = await postJson(
      w,
      "/v1/functions/vad",
      { audio: toneFrame(frame) },
      { authorization: `Bearer ${token}` },
    );
    expect(response.status).toBe(200);
    return response.headers.get("x-request-id") as string;
  };
  const privacy = (args: string[]) => run("privacy", [...args, "--base", w.url.toString(), "--token", admin]);
  const access = (sub: string, tenant: string) =>
    privacy(["access", "--sub", sub, "--tenant", tenant, ...ALL_TIME, "--persist-to", state]);
  /** The subject's export, which must succeed. */
  const exported = async (sub: string, tenant: string) => {
    const { code, stdout, stderr } = await access(sub, tenant);
    expect(code, stderr).toBe(0);
    return parse(stdout);
  };

  beforeAll(async () => {
    w = await startWorker({ persistTo: state });
    workers.push(w);
    admin = await tokenWithScopes("admin", { sub: `operator-${crypto.randomUUID()}` });
  });

  it("access exports exactly the subject's own events; erasure leaves a verified chain where none of them can be found", async () => {
    // Alice in tenant acme three times, the same input twice; Bob in acme twice; an "alice" of another tenant once.
    const aliceRequests = [
      await callAs(alice, "acme", 1),
      await callAs(alice, "acme", 1),
      await callAs(alice, "acme", 2),
    ];
    const bobRequests = [await callAs(bob, "acme", 1), await callAs(bob, "acme", 3)];
    const otherTenant = await callAs(alice, "globex", 1);
    await drained(w, 6);

    const aliceEvents = await exported(alice, "acme");
    expect(aliceEvents.map((e) => e.requestId).sort()).toEqual([...aliceRequests].sort());
    expect(new Set(aliceEvents.map((e) => e.principal?.pseudonym)).size).toBe(1);
    const [oldPseudonym] = aliceEvents.map((e) => e.principal?.pseudonym);
    // One subject's equal inputs share a digest; another subject's same input does not.
    const bobEvents = await exported(bob, "acme");
    expect(bobEvents.map((e) => e.requestId).sort()).toEqual([...bobRequests].sort());
    const digestOf = (events: AuditEvent[], requestId: string) =>
      events.find((e) => e.requestId === requestId)?.inputDigest;
    expect(digestOf(aliceEvents, aliceRequests[0])).toBe(digestOf(aliceEvents, aliceRequests[1]));
    expect(digestOf(bobEvents, bobRequests[0])).not.toBe(digestOf(aliceEvents, aliceRequests[0]));
    const elsewhere = await exported(alice, "globex");
    expect(elsewhere.map((e) => e.requestId)).toEqual([otherTenant]);
    expect(elsewhere[0].principal?.pseudonym).not.toBe(oldPseudonym);

    const erased = await privacy(["erase", "--sub", alice, "--tenant", "acme"]);
    expect(erased.code).toBe(0);
    expect(erased.stdout).toContain("erased the key");
    // Erasing twice is harmless, and says there was nothing left.
    expect((await privacy(["erase", "--sub", alice, "--tenant", "acme"])).stdout).toContain("had no key");

    // Access finds nothing: the key that named the events is gone.
    const gone = await access(alice, "acme");
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("has no key");
    expect(gone.stdout).toBe("");

    // Alice comes back: a new key, a new pseudonym, and access finds only what came after.
    const after = await callAs(alice, "acme", 1);
    // 6 requests, 3 pseudonym lookups, 2 erasures, the refused lookup, and the new request.
    const { logged } = await drained(w, 6 + 3 + 2 + 1 + 1);
    const fresh = await exported(alice, "acme");
    expect(fresh.map((e) => e.requestId)).toEqual([after]);
    expect(fresh[0].principal?.pseudonym).not.toBe(oldPseudonym);
    expect(fresh[0].inputDigest).not.toBe(digestOf(aliceEvents, aliceRequests[0]));

    // The old events are all still there, untouched, and the chain verifies.
    const verified = await run("audit", ["verify", "--persist-to", state]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain("chain verified");
    const everything = parse((await run("audit", ["export", "--persist-to", state, ...ALL_TIME])).stdout);
    expect(
      everything
        .filter((e) => e.principal?.pseudonym === oldPseudonym)
        .map((e) => e.requestId)
        .sort(),
    ).toEqual([...aliceRequests].sort());
    // The erasure is itself an event: who (the operator's pseudonym) and when, not whom.
    const erasures = logged.filter((e) => e.route === "/v1/admin/subjects/erase");
    expect(erasures.map((e) => e.erasure)).toEqual(expect.arrayContaining([{ keyFound: true }, { keyFound: false }]));
    for (const event of erasures) {
      expect(event.principal?.pseudonym).toMatch(/^[0-9a-f]{64}$/);
      expect(event.status).toBe(200);
    }
    // Nothing anywhere (the log, the key store's objects, the models) holds a subject in the clear.
    const stored = everyFile(state);
    expect(stored).not.toContain(alice);
    expect(stored).not.toContain(bob);
  });

  it("refuses a caller without the admin scope, and a body that names no subject", async () => {
    const caller = await tokenWithScopes("infer:*", { sub: "not-an-operator" });
    const refused = await postJson(
      w,
      "/v1/admin/subjects/erase",
      { sub: alice },
      { authorization: `Bearer ${caller}` },
    );
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: "insufficient_scope" });
    const empty = await postJson(
      w,
      "/v1/admin/subjects/erase",
      { tenant: "acme" },
      { authorization: `Bearer ${admin}` },
    );
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ code: "invalid_request", error: expect.stringContaining("sub") });
    const huge = await postJson(
      w,
      "/v1/admin/subjects/erase",
      { sub: "x".repeat(10_000) },
      { authorization: `Bearer ${admin}` },
    );
    expect(huge.status).toBe(413);
  });
});

describe("subject keys in Redis", () => {
  let redis: LocalRedis;
  let bridge: RedisBridge;
  let w: TestWorker;

  beforeAll(async () => {
    redis = await startRedisServer();
    bridge = await startRedisBridge({ redisUrl: redis.url, token: "subjects-bridge-token" });
    w = await startWorker({
      vars: { PRIVACY_STORE: "redis", UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: bridge.token },
    });
    workers.push(w);
  });
  afterAll(async () => {
    await bridge?.close();
    await redis?.stop();
  });

  it("hold one wrapped key per subject, under a lookup that is not the subject, until erased", async () => {
    const subject = `carol-${crypto.randomUUID()}`;
    const token = await tokenWithScopes("infer:vad", { sub: subject });
    const admin = `Bearer ${await tokenWithScopes("admin", { sub: "operator" })}`;
    expect(
      (await postJson(w, "/v1/functions/vad", { audio: toneFrame(0) }, { authorization: `Bearer ${token}` })).status,
    ).toBe(200);
    const client = new Redis(redis.url);
    try {
      // The key is created with the event, after the response: wait for it.
      const deadline = Date.now() + 60_000;
      let keys: string[] = [];
      while (keys.length === 0 && Date.now() < deadline) {
        keys = await client.keys("bastion:subject:*");
        if (keys.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(keys).toHaveLength(1);
      const stored = await Promise.all(keys.map((key) => client.get(key)));
      expect(keys.join(" ")).not.toContain(subject);
      expect(stored.join(" ")).not.toContain(subject);
      const before = await postJson(w, "/v1/admin/subjects/pseudonym", { sub: subject }, { authorization: admin });
      expect(before.status).toBe(200);
      const erased = await postJson(w, "/v1/admin/subjects/erase", { sub: subject }, { authorization: admin });
      expect(await erased.json()).toEqual({ erased: true, keyFound: true });
      expect(await client.exists(keys[0])).toBe(0);
      const after = await postJson(w, "/v1/admin/subjects/pseudonym", { sub: subject }, { authorization: admin });
      expect(after.status).toBe(404);
      expect(await after.json()).toMatchObject({ code: "subject_not_found" });
    } finally {
      client.disconnect();
    }
  });
});

describe("a key store that is not there", () => {
  it("is a 503 to the operator, and callers are still served and audited, without a pseudonym", async () => {
    // PRIVACY_STORE=redis without Redis settings: the store cannot be reached, whatever is asked of it.
    const w = await startWorker({ vars: { PRIVACY_STORE: "redis" } });
    workers.push(w);
    const admin = `Bearer ${await tokenWithScopes("admin", { sub: "operator" })}`;
    const refused = await postJson(w, "/v1/admin/subjects/erase", { sub: "dave" }, { authorization: admin });
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ code: "privacy_store_unavailable" });
    const served = await postJson(w, "/v1/functions/vad", { audio: toneFrame(0) });
    expect(served.status).toBe(200);
    const { logged } = await drained(w, 2);
    const event = logged.find((e) => e.route === "/v1/functions/:name");
    expect(event).toMatchObject({ outcome: "served", principal: { tier: "default" } });
    expect(event?.principal?.pseudonym).toBeUndefined();
    expect(event?.inputDigest).toBeUndefined();
  });
});
