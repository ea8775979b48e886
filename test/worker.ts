/**
 * The real worker in workerd, through Miniflare's Node API: the bundle wrangler built, a local R2
 * bucket seeded by the real model recipe, and the bindings a test chooses.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Miniflare } from "miniflare";
import { inject } from "vitest";
import { type ArtifactBucket, buildArtifact, readManifests } from "../models/recipe";
import { generateKeyJwk, importKeyring, type KeyJwk } from "../src/models/keyring";
import { MODELS_BUCKET } from "../tools/local-state";

const wranglerToml = readFileSync(path.resolve("wrangler.toml"), "utf8");
const COMPATIBILITY_DATE = /^compatibility_date = "([^"]+)"/m.exec(wranglerToml)?.[1] as string;
const COMPATIBILITY_FLAGS = JSON.parse(/^compatibility_flags = (\[.*\])/m.exec(wranglerToml)?.[1] ?? "[]") as string[];

export interface TestWorker {
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** The MODELS bucket, as the worker sees it. */
  models: Awaited<ReturnType<Miniflare["getR2Bucket"]>>;
  /** The same bucket in the shape the model recipe and the CLI use. */
  artifacts: ArtifactBucket;
  dispose(): Promise<void>;
}

export interface WorkerOptions {
  /** The MODEL_KEYS secret; `undefined` leaves it unset. Default: a fresh key set. */
  modelKeys?: string | undefined;
  vars?: Record<string, string>;
  /** Encrypt the models into R2 with this keyring before starting. Default: the worker's. */
  seedWith?: string | false;
  /** Use wrangler dev's persisted state in this directory (as `--persist-to`) instead of memory. */
  persistTo?: string;
}

export function keySet(...jwks: KeyJwk[]): string {
  return JSON.stringify({ keys: jwks });
}

export const freshKeySet = (kid = "test-key") => keySet(generateKeyJwk(kid));

export async function startWorker(options: WorkerOptions = {}): Promise<TestWorker> {
  const modelKeys = "modelKeys" in options ? options.modelKeys : freshKeySet();
  const bundle = inject("workerBundle");
  const files = readdirSync(bundle);
  const mf = new Miniflare({
    modulesRoot: bundle,
    modules: [
      { type: "ESModule", path: path.join(bundle, "index.js") },
      ...files
        .filter((f) => f.endsWith(".wasm"))
        .map((f) => ({ type: "CompiledWasm" as const, path: path.join(bundle, f) })),
    ],
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: COMPATIBILITY_FLAGS,
    r2Buckets: { MODELS: MODELS_BUCKET },
    r2Persist: options.persistTo ? path.join(options.persistTo, "v3", "r2") : false,
    bindings: { ...(modelKeys === undefined ? {} : { MODEL_KEYS: modelKeys }), ...options.vars },
  });
  const url = await mf.ready;
  const models = await mf.getR2Bucket("MODELS");
  const artifacts: ArtifactBucket = {
    get: (key) => models.get(key),
    put: (key, value, opts) => models.put(key, typeof value === "string" ? value : new Uint8Array(value), opts),
  };
  const seedWith = options.seedWith ?? modelKeys;
  if (seedWith) {
    const keyring = await importKeyring(seedWith, ["wrapKey", "unwrapKey"]);
    for (const manifest of await readManifests()) await buildArtifact(artifacts, manifest, keyring);
  }
  let disposed: Promise<void> | undefined;
  return {
    // Real HTTP to workerd's socket, as a client would connect.
    fetch: (p, init) => fetch(new URL(p, url), init),
    models,
    artifacts,
    dispose: () => {
      disposed ??= mf.dispose();
      return disposed;
    },
  };
}

export function postJson(worker: TestWorker, p: string, body: unknown, headers: Record<string, string> = {}) {
  return worker.fetch(p, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}
