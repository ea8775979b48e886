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
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { buildArtifact, readManifests } from "../models/recipe";
import { LOCAL_OVERRIDABLE_SETTINGS } from "../src/env";
import { importKeyring } from "../src/models/keyring";
import { freePort } from "./free-port";
import { ensureDevVars, openLocalBuckets, PERSIST_ROOT, ROOT, withLock, writeDotenv } from "./local-state";
import { startRedisBridge } from "./redis-bridge";

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
  const keyring = await importKeyring(merged.MODEL_KEYS, ["wrapKey", "unwrapKey"]);
  const { models: bucket, dispose } = await openLocalBuckets(persistRoot);
  try {
    for (const manifest of await readManifests()) {
      const outcome = await buildArtifact(bucket, manifest, keyring);
      if (outcome === "encrypted") console.log(`bastion: encrypted ${manifest.id}@${manifest.version} into local R2`);
    }
  } finally {
    await dispose();
  }
  return merged;
});

// With REDIS_URL, rate limits live in that Redis, reached through the Upstash-REST bridge.
const bridge = process.env.REDIS_URL
  ? await startRedisBridge({ redisUrl: process.env.REDIS_URL, token: crypto.randomUUID() })
  : undefined;
if (bridge) {
  settings.UPSTASH_REDIS_REST_URL = bridge.url;
  settings.UPSTASH_REDIS_REST_TOKEN = bridge.token;
  console.log(`bastion: rate limits in ${process.env.REDIS_URL} (through ${bridge.url})`);
}

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
let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  try {
    if (wrangler.pid) process.kill(-wrangler.pid, signal);
  } catch {
    // already gone
  }
};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => stop("SIGTERM"));
process.on("exit", () => {
  stop("SIGTERM");
  rmSync(envFile, { force: true });
});
wrangler.on("exit", (code) => process.exit(code ?? 0));
