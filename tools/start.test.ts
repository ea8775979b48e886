/**
 * `npm start` as a user runs it, without a terminal: it prepares local secrets and encrypted
 * models, serves on $PORT, can run twice side by side from one checkout, drains the audit queue
 * into the log when stopped, stops completely, and never prints a secret.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { Agent, request as httpRequest, type RequestOptions } from "node:http";
import path from "node:path";
import { parseEnv, promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { npmStart, npmToken, stateOf, stop, stopAllNpmStarts, waitUntilReady } from "../test/npm-start";
import { freePort } from "./free-port";
import { startRedisServer } from "./redis-server";

afterAll(stopAllNpmStarts);

/** Whether the port stops accepting connections within a deadline (workerd may take a moment). */
async function refusesConnections(port: number, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await fetch(`http://127.0.0.1:${port}/v2/health/live`);
    } catch {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

/** `npm run audit -- verify` on the local state of the npm start on `port`. */
async function verifyAuditLog(port: number): Promise<string> {
  const { stdout } = await promisify(execFile)("npm", [
    "run",
    "-s",
    "audit",
    "--",
    "verify",
    "--persist-to",
    stateOf(port),
  ]);
  return stdout;
}

const frame = Array.from({ length: 512 }, (_, i) => 0.3 * Math.sin(i / 4));

const callVad = (port: number, authorization?: string) =>
  fetch(`http://127.0.0.1:${port}/v1/functions/vad`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({ audio: frame }),
  });

/**
 * A POST with `kib` KiB of body that the worker refuses (`headers` say why), then another request
 * on the same keep-alive connection: the two statuses, or "hung" after 60 s.
 */
async function refusedThenNext(
  port: number,
  authorization: string,
  headers: Record<string, string>,
  kib: number,
): Promise<[number, number | "hung"]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const send = (options: RequestOptions, body?: string) =>
    new Promise<number | "hung">((resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port, agent, timeout: 60_000, ...options }, (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode ?? 0));
      });
      req.on("timeout", () => {
        req.destroy();
        resolve("hung");
      });
      // The answer may come (and the connection close) before the whole body is written.
      req.on("error", (error: NodeJS.ErrnoException) =>
        error.code === "EPIPE" || error.code === "ECONNRESET" ? undefined : reject(error),
      );
      for (let i = 0; body && i < kib; i++) req.write(body);
      req.end();
    });
  try {
    const headersOfPost = { authorization, "content-type": "application/json", ...headers };
    const refused = await send({ path: "/v1/functions/vad", method: "POST", headers: headersOfPost }, "x".repeat(1024));
    const next = await send({ path: "/v2/models/vad", headers: { authorization } });
    return [refused as number, next];
  } finally {
    agent.destroy();
  }
}

describe("npm start", () => {
  it("serves two instances side by side on their ports to local tokens, and stops cleanly on SIGTERM", async () => {
    const runs = [npmStart(await freePort()), npmStart(await freePort())];
    await Promise.all(runs.map((run) => waitUntilReady(run)));
    const token = await npmToken("--sub", "alice", "--scope", "infer:vad models:read");
    const readOnly = await npmToken("--sub", "bob", "--scope", "models:read");
    for (const { port } of runs) {
      const response = await callVad(port, `Bearer ${token}`);
      expect(response.status).toBe(200);
      expect((await response.json()) as object).toHaveProperty("speechProbability");
      expect((await callVad(port)).status).toBe(401);
      expect((await callVad(port, `Bearer ${readOnly}`)).status).toBe(403);
    }
    // A refused body, read or not, leaves the connection (behind wrangler's proxy) serving.
    const chunked = { "transfer-encoding": "chunked" };
    const auth = `Bearer ${token}`;
    expect(await refusedThenNext(runs[0].port, auth, chunked, 100), "chunked, over 64 KiB").toEqual([413, 200]);
    const declared = { "content-length": String(100 * 1024) };
    expect(await refusedThenNext(runs[0].port, auth, declared, 100), "declared over 64 KiB").toEqual([413, 200]);
    const badToken = { ...chunked, authorization: "Bearer not-a-token" };
    expect(await refusedThenNext(runs[0].port, auth, badToken, 10), "bad token, body unread").toEqual([401, 200]);
    await Promise.all(runs.map(stop));
    // Nothing is left listening: wrangler and workerd went with it.
    for (const { port } of runs) expect(await refusesConnections(port)).toBe(true);
  }, 240_000);

  it("stopped right after a burst of requests, first drains every audit event into the log", async () => {
    const run = npmStart(await freePort());
    await waitUntilReady(run);
    const authorization = `Bearer ${await npmToken("--sub", "dave", "--scope", "infer:vad")}`;
    const total = 300;
    const statuses = new Map<number, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: 30 }, async () => {
        while (next < total) {
          const response = await callVad(run.port, next++ % 3 === 0 ? undefined : authorization);
          await response.arrayBuffer();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        }
      }),
    );
    const { LOCAL_CONTROL_TOKEN: controlToken } = parseEnv(
      readFileSync(path.join(".wrangler", `start-${run.port}.vars`), "utf8"),
    );
    await stop(run);
    expect(Object.fromEntries(statuses)).toEqual({ 200: 200, 401: 100 });
    expect(await verifyAuditLog(run.port)).toMatch(new RegExp(`\\d+ objects, ${total} events: chain verified`));
    expect(run.output()).toContain("bastion: drained");
    // The drain control's credential never shows.
    expect(controlToken).toMatch(/^[0-9a-f]{64}$/);
    expect(run.output()).not.toContain(controlToken);
  }, 240_000);

  it("keeps rate limits in the Redis named by REDIS_URL, never shows its password, honours RATE_LIMITS, and audits to its own local state", async () => {
    const password = `pw-${randomBytes(16).toString("hex")}`;
    const redis = await startRedisServer({ password });
    try {
      const run = npmStart(await freePort(), {
        REDIS_URL: redis.url,
        // A token bucket of 2 refilled hourly: no window edge for the three calls to straddle (a
        // sliding window weighs the previous window down, rounding, and would admit the third).
        // vad fails open by default; closed with a long timeout, any failure shows as a 503.
        RATE_LIMITS: JSON.stringify({
          functions: {
            vad: {
              algorithm: "token-bucket",
              limit: 2,
              refillRate: 1,
              window: "1 h",
              onBackendFailure: "closed",
              timeoutMs: 10_000,
            },
          },
        }),
      });
      await waitUntilReady(run);
      const authorization = `Bearer ${await npmToken("--sub", `carol-${Date.now()}`, "--scope", "infer:vad")}`;
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await callVad(run.port, authorization)).status);
      expect(statuses).toEqual([200, 200, 429]);
      const client = new Redis(redis.url);
      expect((await client.keys("bastion:*")).some((key) => key.includes(":fn:vad:"))).toBe(true);
      client.disconnect();
      await stop(run);
      expect(await verifyAuditLog(run.port)).toMatch(/\d+ objects, 3 events: chain verified/);
      expect(run.output()).toContain("bastion: rate limits in redis://:***@127.0.0.1:");
      expect(run.output()).not.toContain(password);
    } finally {
      await redis.stop();
    }
  }, 240_000);

  it("with a REDIS_URL where no Redis answers, exits 1 saying what to do, the password masked", async () => {
    const password = `pw-${randomBytes(8).toString("hex")}`;
    const run = npmStart(await freePort(), { REDIS_URL: `redis://:${password}@127.0.0.1:${await freePort()}` });
    const code = await new Promise((resolve) => run.child.once("exit", resolve));
    expect(code).toBe(1);
    expect(run.output()).toContain("bastion: cannot use the Redis at redis://:***@127.0.0.1:");
    expect(run.output()).toContain("Is a redis-server running there?");
    expect(run.output()).not.toContain(password);
  }, 240_000);
});
