/**
 * `npm start`: Bastion on this machine with embedded defaults and no cloud account.
 *
 * 1. Creates the local secrets (.dev.vars) on first run, and encrypts the models into wrangler
 *    dev's local R2 when they are missing or were encrypted under a key no longer in the keyring.
 * 2. Runs `wrangler dev` on 127.0.0.1:$PORT (default 8787) with a free inspector port, no
 *    interactive session (so it runs in the background and in CI), and the settings from
 *    .dev.vars overridden by environment variables of the same name. With REDIS_URL set, rate
 *    limits use that Redis through the Upstash-REST bridge run in this process; otherwise the
 *    embedded Durable Object.
 *
 * Two `npm start`s on different ports can share one checkout: preparation takes a lock, and each
 * port gets its own settings file and local state (.wrangler/state, or .wrangler/state-PORT).
 *
 * Stopping (SIGINT, SIGTERM, SIGHUP) drains first, because local queue delivery is in memory: the
 * worker refuses new requests, lets the audit queue drain into the log (at most DRAIN_TIMEOUT_MS,
 * through the drain control in src/drain/, enabled by a random LOCAL_CONTROL_TOKEN for this run),
 * and only then is wrangler's whole process group stopped. A second signal stops it at once.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import path from "node:path";
import { buildArtifact, readManifests } from "../models/recipe";
import { DRAIN_PATH, DRAIN_TIMEOUT_MS, type DrainOutcome } from "../src/drain/protocol";
import { LOCAL_OVERRIDABLE_SETTINGS } from "../src/env";
import { importKeyring } from "../src/models/keyring";
import { demoOrigins } from "./demo-origin";
import { freePort } from "./free-port";
import { ensureDevVars, openLocalBuckets, PERSIST_ROOT, ROOT, withLock, writeDotenv } from "./local-state";
import { startRedisBridge } from "./redis-bridge";
import { maskCredentials } from "./redis-url";

const DEFAULT_PORT = 8787;
const port = Number(process.env.PORT ?? DEFAULT_PORT);
if (!Number.isInteger(port) || port <= 0 || port > 65535)
  throw new Error(`PORT must be a TCP port, not ${process.env.PORT}`);

// Each port is its own local deployment: the default port uses wrangler's default state, another
// port a state of its own, so two instances never run the same Durable Object (the audit log's
// single writer, a rate limit's counter) at once.
const persistRoot = port === DEFAULT_PORT ? PERSIST_ROOT : `${PERSIST_ROOT}-${port}`;

const settings = await withLock("models", async () => {
  const devVars = await ensureDevVars();
  const merged: Record<string, string> = { ...devVars };
  for (const name of LOCAL_OVERRIDABLE_SETTINGS) {
    const value = process.env[name];
    if (value !== undefined) merged[name] = value;
  }
  // The demo page (npm run demo) is another origin: let it call, unless CORS_ORIGINS says otherwise.
  merged.CORS_ORIGINS ??= demoOrigins();
  const keyring = await importKeyring(merged.MODEL_KEYS, ["wrapKey", "unwrapKey"]);
  const { models: bucket, dispose } = await openLocalBuckets(persistRoot);
  try {
    for (const manifest of await readManifests()) {
      const outcomes = await buildArtifact(bucket, manifest, keyring);
      for (const [variant, outcome] of Object.entries(outcomes))
        if (outcome === "encrypted")
          console.log(`bastion: encrypted ${manifest.id}@${manifest.version} (${variant}) into local R2`);
    }
  } finally {
    await dispose();
  }
  return merged;
});

// With REDIS_URL, rate limits live in that Redis, reached through the Upstash-REST bridge. The URL
// may carry a password: only its masked form is ever printed.
const redisUrl = process.env.REDIS_URL;
if (redisUrl) {
  const bridge = await startRedisBridge({ redisUrl, token: crypto.randomUUID() }).catch((error: Error) => {
    console.error(
      `bastion: cannot use the Redis at ${maskCredentials(redisUrl)}: ${error.message}\n` +
        "  Is a redis-server running there? (Debian: apt-get install -y redis-server; it starts one on\n" +
        "  127.0.0.1:6379.) Without REDIS_URL, npm start keeps rate limits in its embedded Durable Object.",
    );
    process.exit(1);
  });
  settings.UPSTASH_REDIS_REST_URL = bridge.url;
  settings.UPSTASH_REDIS_REST_TOKEN = bridge.token;
  console.log(`bastion: rate limits in ${maskCredentials(redisUrl)} (through ${bridge.url})`);
}

// Enables the worker's drain control for this run only; never printed (wrangler hides env-file values).
settings.LOCAL_CONTROL_TOKEN = randomBytes(32).toString("hex");

const envFile = path.join(ROOT, ".wrangler", `start-${port}.vars`);
writeDotenv(envFile, settings, [
  "# Settings for one `npm start` (.dev.vars with environment overrides); removed on exit.",
]);

const wrangler = spawn(
  process.execPath,
  [
    path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js"),
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(await freePort()),
    "--persist-to",
    persistRoot,
    "--env-file",
    envFile,
    "--show-interactive-dev-session=false",
  ],
  {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
    detached: true,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  },
);

// wrangler starts workerd as a child of its own: stop the whole group, never leave it running.
const stopWrangler = () => {
  try {
    if (wrangler.pid) process.kill(-wrangler.pid, "SIGTERM");
  } catch {
    // already gone
  }
};
let stopping = false;
const shutDown = async () => {
  if (stopping) return stopWrangler();
  stopping = true;
  console.log(`bastion: stopping: draining the audit queue into the log (at most ${DRAIN_TIMEOUT_MS / 1000} s)`);
  console.log(`bastion: ${await drain()}`);
  stopWrangler();
};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, shutDown);
process.on("exit", () => {
  stopWrangler();
  rmSync(envFile, { force: true });
});
wrangler.on("exit", (code) => process.exit(code ?? 0));

/** Asks the worker to drain (src/drain/control.ts); says how it went. */
async function drain(): Promise<string> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${DRAIN_PATH}`, {
      method: "POST",
      headers: { authorization: `Bearer ${settings.LOCAL_CONTROL_TOKEN}` },
      // The worker answers by DRAIN_TIMEOUT_MS; a little more for the answer to arrive.
      signal: AbortSignal.timeout(DRAIN_TIMEOUT_MS + 2000),
    });
    const outcome = (await response.json()) as DrainOutcome;
    if (outcome.requestsSettled && outcome.auditWritten !== false) return "drained";
    return `not fully drained: ${JSON.stringify(outcome)}; audit events still queued may be lost`;
  } catch (error) {
    return `could not drain (${(error as Error).message}); audit events still queued may be lost`;
  }
}
