/**
 * The worker as `wrangler deploy` bundles it, run in a local workerd through Miniflare's Node API:
 * used by the tests and the benchmark. (Miniflare needs the modules listed one by one: ORT's
 * bundle has a dynamic import that its module walker cannot follow.)
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Miniflare } from "miniflare";
import { type ArtifactBucket, buildArtifact, readManifests } from "../models/recipe";
import type { StoredObject } from "../src/audit/read";
import type { FunctionControls } from "../src/governance/controls/durable-object";
import { importKeyring } from "../src/models/keyring";
import { AUDIT_BUCKET_NAME, AUDIT_READER, asArtifactBucket, MODELS_BUCKET, ROOT, readAuditPrefix } from "./local-state";

const AUDIT_QUEUE_NAME = "bastion-audit";
const AUDIT_DLQ_NAME = "bastion-audit-dlq";

const wranglerToml = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8");
const COMPATIBILITY_DATE = /^compatibility_date = "([^"]+)"/m.exec(wranglerToml)?.[1] as string;
const COMPATIBILITY_FLAGS = JSON.parse(/^compatibility_flags = (\[.*\])/m.exec(wranglerToml)?.[1] ?? "[]") as string[];

/** Bundles `entry` (default: wrangler.toml's main) into `outdir`; returns wrangler's size line. */
export function buildBundle(outdir: string, entry?: string): string {
  const wrangler = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
  const output = execFileSync(
    process.execPath,
    // `--env ""`: the top level, named, as wrangler asks once a config has environments.
    [wrangler, "deploy", ...(entry ? [entry] : []), "--env", "", "--dry-run", "--outdir", outdir],
    {
      cwd: ROOT,
      stdio: "pipe",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    },
  ).toString();
  return /Total Upload: .*/.exec(output)?.[0] ?? "";
}

export interface LocalWorker {
  url: URL;
  /** Every object of the audit bucket under a prefix, with its text (read inside workerd). */
  readAudit(prefix: string): Promise<StoredObject[]>;
  /** The audit queue's producer, as the worker has it. */
  auditQueue: Queue<unknown>;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** The MODELS bucket, as the worker sees it. */
  models: Awaited<ReturnType<Miniflare["getR2Bucket"]>>;
  /** The same bucket in the shape the model recipe and the CLI use. */
  artifacts: ArtifactBucket;
  /** A function's operator controls, reached directly as another isolate would (src/governance/controls). */
  functionControls(name: string): Promise<DurableObjectStub<FunctionControls>>;
  dispose(): Promise<void>;
}

export interface LocalWorkerOptions {
  bundle: string;
  /** Entry module inside the bundle. Default index.js. */
  main?: string;
  /** The MODEL_KEYS secret; undefined leaves it unset. */
  modelKeys: string | undefined;
  vars?: Record<string, string>;
  /** Encrypt the models into R2 with this keyring before starting (false: leave R2 as it is). */
  seedWith: string | false | undefined;
  /** Use wrangler dev's persisted state in this directory (as `--persist-to`) instead of memory. */
  persistTo?: string;
  /** The audit queue's max_retries before dead-lettering (wrangler.toml says 5). */
  auditMaxRetries?: number;
  /**
   * Binds IP_RATE_LIMITER, the Rate Limiting binding for the per-address limit: Miniflare's own
   * with this limit and period, or `fault-injector`, one whose every `limit()` throws. Unbound
   * by default, as in wrangler.toml.
   */
  ipRateLimiter?: { limit: number; period: 10 | 60 } | "fault-injector";
}

/** Fault injector for tests: a Rate Limiting binding whose every `limit()` throws. */
const FAULTY_RATE_LIMITER = {
  name: "faulty-rate-limiter",
  modules: true,
  script: `import { WorkerEntrypoint } from "cloudflare:workers";
export class FaultyRateLimiter extends WorkerEntrypoint {
  async limit() {
    throw new Error("fault injected: the rate limiting binding failed");
  }
}
export default { fetch: () => new Response(null, { status: 404 }) };`,
};

/** The IP_RATE_LIMITER binding `ipRateLimiter` asks for, as Miniflare options. */
function ipRateLimiterBinding(ipRateLimiter: LocalWorkerOptions["ipRateLimiter"]) {
  if (ipRateLimiter === undefined) return {};
  if (ipRateLimiter === "fault-injector")
    return {
      serviceBindings: { IP_RATE_LIMITER: { name: FAULTY_RATE_LIMITER.name, entrypoint: "FaultyRateLimiter" } },
    };
  return { ratelimits: { IP_RATE_LIMITER: { simple: ipRateLimiter } } };
}

/**
 * Real HTTP to workerd's socket, as a client would connect. A keep-alive connection that workerd
 * closed just as the client reused it ("other side closed": the request never reached the
 * worker; on a loaded machine the window is wide) is retried on a fresh one, as browsers do.
 */
async function fetchRetryingClosedConnections(url: URL, init?: RequestInit): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      if (cause?.code !== "UND_ERR_SOCKET" || attempt === 3) throw error;
    }
  }
}

export async function startLocalWorker(options: LocalWorkerOptions): Promise<LocalWorker> {
  const { bundle } = options;
  const mf = new Miniflare({
    r2Persist: options.persistTo ? path.join(options.persistTo, "v3", "r2") : false,
    durableObjectsPersist: options.persistTo ? path.join(options.persistTo, "v3", "do") : false,
    workers: [
      {
        name: "bastion",
        modulesRoot: bundle,
        modules: [
          { type: "ESModule", path: path.join(bundle, options.main ?? "index.js") },
          ...readdirSync(bundle)
            .filter((f) => f.endsWith(".wasm"))
            .map((f) => ({ type: "CompiledWasm" as const, path: path.join(bundle, f) })),
        ],
        compatibilityDate: COMPATIBILITY_DATE,
        compatibilityFlags: COMPATIBILITY_FLAGS,
        r2Buckets: { MODELS: MODELS_BUCKET, AUDIT_BUCKET: AUDIT_BUCKET_NAME },
        durableObjects: {
          RATE_LIMITER: { className: "RateLimiter", useSQLite: true },
          AUDIT_LOG: { className: "AuditLog", useSQLite: true },
          PROBING_MONITOR: { className: "ProbingMonitor", useSQLite: true },
          SUBJECT_KEYS: { className: "SubjectKeys", useSQLite: true },
          PRIVACY_LEDGER: { className: "PrivacyLedger", useSQLite: true },
          FUNCTION_CONTROLS: { className: "FunctionControls", useSQLite: true },
        },
        ...ipRateLimiterBinding(options.ipRateLimiter),
        queueProducers: { AUDIT_QUEUE: { queueName: AUDIT_QUEUE_NAME } },
        queueConsumers: {
          [AUDIT_QUEUE_NAME]: {
            maxBatchSize: 100,
            maxBatchTimeout: 1,
            maxRetries: options.auditMaxRetries ?? 5,
            deadLetterQueue: AUDIT_DLQ_NAME,
          },
          [AUDIT_DLQ_NAME]: { maxBatchSize: 100, maxBatchTimeout: 1 },
        },
        bindings: {
          AUDIT_DEAD_LETTER_QUEUE: AUDIT_DLQ_NAME,
          ...(options.modelKeys === undefined ? {} : { MODEL_KEYS: options.modelKeys }),
          ...options.vars,
        },
      },
      AUDIT_READER,
      ...(options.ipRateLimiter === "fault-injector"
        ? [{ ...FAULTY_RATE_LIMITER, compatibilityDate: COMPATIBILITY_DATE }]
        : []),
    ],
  });
  const url = await mf.ready;
  const models = await mf.getR2Bucket("MODELS");
  const auditQueue = await mf.getQueueProducer("AUDIT_QUEUE");
  const artifacts = asArtifactBucket(models);
  if (options.seedWith) {
    const keyring = await importKeyring(options.seedWith, ["wrapKey", "unwrapKey"]);
    for (const manifest of await readManifests()) await buildArtifact(artifacts, manifest, keyring);
  }
  let disposed: Promise<void> | undefined;
  return {
    url,
    readAudit: (prefix) => readAuditPrefix(mf, prefix),
    auditQueue,
    fetch: (p, init) => fetchRetryingClosedConnections(new URL(p, url), init),
    models,
    artifacts,
    functionControls: async (name) => {
      const namespace = await mf.getDurableObjectNamespace("FUNCTION_CONTROLS");
      return namespace.get(namespace.idFromName(name)) as unknown as DurableObjectStub<FunctionControls>;
    },
    dispose: () => {
      disposed ??= mf.dispose();
      return disposed;
    },
  };
}
