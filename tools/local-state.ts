/**
 * The local state `npm start` runs on, shared with the CLI tools: the git-ignored `.dev.vars`
 * (local secrets, generated on first run) and wrangler dev's persisted R2, opened here through
 * Miniflare at the same path so that what the tools write is what `wrangler dev` reads.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";
import { exportJWK, generateKeyPair } from "jose";
import { Miniflare } from "miniflare";
import type { ArtifactBucket } from "../models/recipe";
import { HEAD_KEY } from "../src/audit/chain";
import type { StoredObject } from "../src/audit/read";
import { generateKeyJwk } from "../src/models/keyring";
import { generateFernetKey } from "../src/privacy/fernet";
import { generateSecretKey } from "../src/secret-keys";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const DEV_VARS = path.join(ROOT, ".dev.vars");
/** wrangler dev's default persistence root. */
export const PERSIST_ROOT = path.join(ROOT, ".wrangler", "state");
/** Must equal `bucket_name` of the MODELS and AUDIT_BUCKET bindings at wrangler.toml's top level. */
export const MODELS_BUCKET = "bastion-models";
export const AUDIT_BUCKET_NAME = "bastion-audit";

/** The local token-signing key pair (private JWK) for `npm run token`; git-ignored. */
export const DEV_TOKEN_KEY = path.join(ROOT, ".dev.token-key.json");
export const LOCAL_ISSUER = "bastion-local";
export const LOCAL_AUDIENCE = "bastion";

/**
 * Reads `.dev.vars`, first adding what a fresh checkout lacks: a model keyring, a local token
 * issuer whose public key the worker trusts (its private key goes to `.dev.token-key.json`), and
 * the audit and sealed-state keys, and a Fernet key for sealed fields.
 */
export async function ensureDevVars(): Promise<Record<string, string>> {
  const vars = readDevVars();
  const additions: Record<string, string> = {};
  if (!vars.MODEL_KEYS) {
    additions.MODEL_KEYS = JSON.stringify({ keys: [generateKeyJwk(`local-${new Date().toISOString().slice(0, 10)}`)] });
  }
  if (!existsSync(DEV_TOKEN_KEY) || !vars.JWT_JWKS) {
    const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
    const kid = `local-${Date.now().toString(36)}`;
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: "ES256", use: "sig" };
    writeFileSync(DEV_TOKEN_KEY, `${JSON.stringify(privateJwk)}\n`, { mode: 0o600 });
    additions.JWT_JWKS = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" }] });
  }
  for (const secret of ["AUDIT_PEPPER", "AUDIT_SIGNING_KEY", "STATE_KEY"]) {
    if (!vars[secret]) additions[secret] = generateSecretKey();
  }
  if (!vars.FERNET_KEYS) additions.FERNET_KEYS = generateFernetKey();
  if (!vars.JWT_ISSUER) additions.JWT_ISSUER = LOCAL_ISSUER;
  if (!vars.JWT_AUDIENCE) additions.JWT_AUDIENCE = LOCAL_AUDIENCE;
  if (Object.keys(additions).length > 0) {
    writeDotenv(DEV_VARS, { ...vars, ...additions }, [
      "# Local settings and secrets for `npm start`, generated on first run. Never commit this file.",
      "# In production: secrets with `wrangler secret put NAME`, the rest in wrangler.toml [vars].",
    ]);
  }
  return readDevVars();
}

/**
 * Writes a dotenv file readable only by its owner. Values are single-quoted so JSON stays literal;
 * a value therefore cannot hold a single quote or a newline.
 */
export function writeDotenv(file: string, vars: Record<string, string>, comments: string[]) {
  const lines = Object.entries(vars).map(([name, value]) => {
    if (value.includes("'") || value.includes("\n"))
      throw new Error(`setting ${name} must not contain a single quote or newline`);
    return `${name}='${value}'`;
  });
  writeFileSync(file, [...comments, ...lines, ""].join("\n"), { mode: 0o600 });
  chmodSync(file, 0o600);
}

export function readDevVars(): Record<string, string> {
  return existsSync(DEV_VARS) ? (parseEnv(readFileSync(DEV_VARS, "utf8")) as Record<string, string>) : {};
}

type LocalBucket = Awaited<ReturnType<Miniflare["getR2Bucket"]>>;

/**
 * A worker that reads a whole prefix of the audit bucket inside workerd and answers it as JSON. Node
 * reads the log through it rather than through Miniflare's R2 proxy, whose property reads go over
 * a synchronous channel that, on a loaded machine, can take one answer for another (an assertion
 * in Miniflare's fetch-sync, after which every read is off by one).
 */
export const AUDIT_READER = {
  name: "audit-reader",
  modules: true,
  script: `export default {
  async fetch(request, env) {
    const prefix = new URL(request.url).searchParams.get("prefix") ?? "";
    const found = [];
    let cursor;
    do {
      const page = await env.AUDIT_BUCKET.list({ prefix, cursor });
      for (const { key } of page.objects) {
        const object = await env.AUDIT_BUCKET.get(key);
        if (object) found.push({ name: key, body: await object.text() });
      }
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
    return Response.json(found);
  },
};`,
  r2Buckets: { AUDIT_BUCKET: AUDIT_BUCKET_NAME },
};

/** Every object of the audit bucket under `prefix`, with its text, through the AUDIT_READER worker of `mf`. */
export async function readAuditPrefix(mf: Miniflare, prefix: string): Promise<StoredObject[]> {
  const reader = await mf.getWorker(AUDIT_READER.name);
  const response = await reader.fetch(`http://audit-reader/?prefix=${encodeURIComponent(prefix)}`);
  if (!response.ok) throw new Error(`reading the audit bucket: ${response.status} ${await response.text()}`);
  return (await response.json()) as StoredObject[];
}

/** Opens the R2 buckets of wrangler dev's local state (or another `--persist-to` root); call `dispose` when done. */
export async function openLocalBuckets(persistRoot = PERSIST_ROOT): Promise<{
  models: ArtifactBucket;
  /** Every audit object under a prefix, with its text. */
  readAudit: (prefix: string) => Promise<StoredObject[]>;
  dispose: () => Promise<void>;
}> {
  const mf = new Miniflare({
    r2Persist: path.join(persistRoot, "v3", "r2"),
    workers: [
      {
        name: "buckets",
        modules: true,
        script: "export default { fetch() { return new Response(null, { status: 404 }) } }",
        r2Buckets: { MODELS: MODELS_BUCKET },
      },
      AUDIT_READER,
    ],
  });
  return {
    models: asArtifactBucket(await mf.getR2Bucket("MODELS")),
    readAudit: (prefix) => readAuditPrefix(mf, prefix),
    dispose: () => mf.dispose(),
  };
}

/**
 * The audit log's objects: from a directory of objects downloaded from R2 (`dir`), else from
 * wrangler dev's local state (or another `--persist-to` root).
 */
export async function readAuditObjects(where: { dir?: string; persistTo?: string }): Promise<StoredObject[]> {
  if (where.dir) {
    const root = path.resolve(where.dir);
    return (readdirSync(root, { recursive: true }) as string[])
      .filter((file) => file.endsWith(".ndjson") || file.endsWith(".json"))
      .sort()
      .map((file) => ({ name: file, body: readFileSync(path.join(root, file), "utf8") }));
  }
  const { readAudit, dispose } = await openLocalBuckets(where.persistTo ? path.resolve(where.persistTo) : undefined);
  try {
    // The head before the objects: the writer publishes an object before the head that names it,
    // so a head read first never names an object the listing after it misses.
    const head = await readAudit(HEAD_KEY);
    const objects = (await readAudit("audit/")).filter(({ name }) => name !== HEAD_KEY);
    return [...objects, ...head];
  } finally {
    await dispose();
  }
}

/** A Miniflare bucket as the model recipe uses one. */
export function asArtifactBucket(r2: LocalBucket): ArtifactBucket {
  return {
    get: (key) => r2.get(key),
    // Miniflare's proxy wants a plain Uint8Array, not a Node Buffer view of a shared pool.
    put: (key, value, options) => r2.put(key, typeof value === "string" ? value : new Uint8Array(value), options),
  };
}

/**
 * A cross-process lock (an atomic mkdir), so that two `npm start`s from one checkout do not both
 * generate secrets or encrypt models at once. A lock older than `staleMs` is taken over.
 */
export async function withLock<T>(name: string, run: () => Promise<T>, staleMs = 120_000): Promise<T> {
  const dir = path.join(ROOT, ".wrangler", `${name}.lock`);
  mkdirSync(path.dirname(dir), { recursive: true });
  for (;;) {
    try {
      mkdirSync(dir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const age = Date.now() - (statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > staleMs) rmSync(dir, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return await run();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
