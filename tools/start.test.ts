/**
 * `npm start` as a user runs it, without a terminal: it prepares local secrets and encrypted
 * models, serves on $PORT, can run twice side by side from one checkout, and stops completely.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "./free-port";
import { startRedisServer } from "./redis-server";

const started: ChildProcess[] = [];
const ports: number[] = [];
afterAll(() => {
  for (const child of started) if (child.exitCode === null) child.kill("SIGKILL");
  // npm start keeps each non-default port's local state apart: remove what these runs made.
  for (const port of ports) rmSync(path.join(".wrangler", `state-${port}`), { recursive: true, force: true });
});

function npmStart(port: number, env: Record<string, string> = {}): ChildProcess {
  ports.push(port);
  const child = spawn("npm", ["start"], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  return child;
}

async function waitUntilReady(port: number, child: ChildProcess, timeoutMs = 90_000): Promise<void> {
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/v2/health/ready`);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`npm start did not become ready on ${port}:\n${output}`);
}

const frame = Array.from({ length: 512 }, (_, i) => 0.3 * Math.sin(i / 4));

/** `npm run token`, as the README tells a user; the token is its last line. */
async function npmToken(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)("npm", ["run", "-s", "token", "--", ...args]);
  return stdout.trim().split("\n").at(-1) as string;
}

describe("npm start", () => {
  it("serves two instances side by side on their ports to local tokens, and stops cleanly on SIGTERM", async () => {
    const ports = [await freePort(), await freePort()];
    const children = ports.map((port) => npmStart(port));
    await Promise.all(ports.map((port, i) => waitUntilReady(port, children[i])));
    const token = await npmToken("--sub", "alice", "--scope", "infer:vad");
    const otherScope = await npmToken("--sub", "bob", "--scope", "infer:text-detect");
    const call = (port: number, authorization?: string) =>
      fetch(`http://127.0.0.1:${port}/v1/functions/vad`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ audio: frame }),
      });
    for (const port of ports) {
      const response = await call(port, `Bearer ${token}`);
      expect(response.status).toBe(200);
      expect((await response.json()) as object).toHaveProperty("speechProbability");
      expect((await call(port)).status).toBe(401);
      expect((await call(port, `Bearer ${otherScope}`)).status).toBe(403);
    }
    for (const child of children) child.kill("SIGTERM");
    await Promise.all(
      children.map(
        (child) => new Promise((resolve) => (child.exitCode !== null ? resolve(0) : child.once("exit", resolve))),
      ),
    );
    // Nothing is left listening: wrangler and workerd went with it.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (const port of ports) await expect(fetch(`http://127.0.0.1:${port}/v2/health/live`)).rejects.toThrow();
  }, 180_000);

  it("keeps rate limits in the Redis named by REDIS_URL, honours RATE_LIMITS, and audits to its own local state", async () => {
    const redis = await startRedisServer();
    try {
      const port = await freePort();
      const child = npmStart(port, {
        REDIS_URL: redis.url,
        RATE_LIMITS: JSON.stringify({ functions: { vad: { limit: 2 } } }),
      });
      await waitUntilReady(port, child);
      const authorization = `Bearer ${await npmToken("--sub", `carol-${Date.now()}`, "--scope", "infer:vad")}`;
      const statuses = [];
      for (let i = 0; i < 3; i++)
        statuses.push((await fetch(`http://127.0.0.1:${port}/v2/models/vad`, { headers: { authorization } })).status);
      expect(statuses).toEqual([200, 200, 429]);
      const client = new Redis(redis.url);
      expect((await client.keys("bastion:*")).some((key) => key.includes(":fn:vad:"))).toBe(true);
      client.disconnect();
      // Local queue delivery is in memory: let the consumer write the audit log before stopping.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
      const { stdout } = await promisify(execFile)("npm", [
        "run",
        "-s",
        "audit",
        "--",
        "verify",
        "--persist-to",
        `.wrangler/state-${port}`,
      ]);
      expect(stdout).toMatch(/\d+ objects, 3 events: chain verified/);
    } finally {
      await redis.stop();
    }
  }, 120_000);
});
