/**
 * The isolate's loaded models: one ORT session per model id, version, digest and variant, created
 * on first use. Concurrent first requests share one load; a failed load is remembered for a short back-off
 * so a broken artifact is not fetched and decrypted on every request.
 */
import { BastionError, MODEL_RETRY_AFTER_SECONDS, ModelUnavailable } from "../errors";
import type { TrustedKeys } from "../governance/keys";
import type { Keyring } from "../models/keyring";
import { type ModelManifest, type ModelVariant, modelKey } from "../models/manifest";
import { loadDecryptedModel } from "../models/store";
import type { ExecutionProvider } from "./execution-provider";
import { createInferenceSession, type ort } from "./runtime";

/** Where each millisecond of a cold load went. */
export interface LoadTimings {
  fetchMs: number;
  decryptMs: number;
  sessionMs: number;
}

export interface LoadedModel {
  manifest: ModelManifest;
  variant: ModelVariant;
  session: ort.InferenceSession;
  kid: string;
  /** What ORT was asked to run it on, most preferred first. */
  executionProviders: ExecutionProvider[];
  /** Counts loads in this isolate; requests that shared a load see the same number. */
  loadNumber: number;
  timings: LoadTimings;
}

type ModelState = "unloaded" | "loading" | "ready" | "failed";

interface Entry {
  promise: Promise<LoadedModel>;
  state: ModelState;
  failedAt?: number;
}

export interface ModelSource {
  bucket: R2Bucket;
  keyring: () => Promise<Keyring>;
  /** The signing keys a model's signature must be by. */
  trustedKeys: () => Promise<TrustedKeys>;
  executionProviders: ExecutionProvider[];
}

export class ModelSessions {
  readonly #entries = new Map<string, Entry>();
  #ortQueue: Promise<unknown> = Promise.resolve();
  readonly #warmed = new WeakMap<LoadedModel, Promise<unknown>>();
  #loads = 0;

  constructor(private readonly failureBackoffMs = MODEL_RETRY_AFTER_SECONDS * 1000) {}

  /** The loaded model, loading it first if needed. `joined` tells whether this call waited for a load. */
  async acquire(
    manifest: ModelManifest,
    variant: ModelVariant,
    source: ModelSource,
  ): Promise<{ model: LoadedModel; joined: boolean }> {
    const key = entryKey(manifest, variant);
    let entry = this.#entries.get(key);
    const expired = entry?.state === "failed" && Date.now() - (entry.failedAt ?? 0) >= this.failureBackoffMs;
    if (!entry || expired) {
      entry = { state: "loading", promise: Promise.resolve() as never };
      const created = entry;
      created.promise = this.#load(manifest, variant, source).then(
        (model) => {
          created.state = "ready";
          return model;
        },
        (error: unknown) => {
          created.state = "failed";
          created.failedAt = Date.now();
          throw error;
        },
      );
      this.#entries.set(key, created);
    }
    const joined = entry.state !== "ready";
    return { model: await entry.promise, joined };
  }

  /** Runs the model, after whatever ORT is doing in this isolate (see `#exclusive`). */
  run(model: LoadedModel, feeds: Record<string, ort.Tensor>, outputs: string[]): Promise<Record<string, ort.Tensor>> {
    return this.#exclusive(() => model.session.run(feeds, outputs));
  }

  /**
   * Runs the model once on `feeds`, the first time it is asked for this load. A session's first
   * run in a request costs several times a warm one (vad: about 30 ms against 2), and so does an
   * isolate's first ORT work inside any request, which no start-up work at global scope removes
   * (README, Cold start): a readiness probe pays it instead of the first caller.
   */
  warm(model: LoadedModel, feeds: () => Record<string, ort.Tensor>): Promise<{ ranNow: boolean }> {
    const warming = this.#warmed.get(model);
    if (warming) return warming.then(() => ({ ranNow: false }));
    const running = this.run(
      model,
      feeds(),
      model.manifest.signature.outputs.map((output) => output.name),
    );
    this.#warmed.set(model, running);
    running.catch(() => this.#warmed.delete(model));
    return running.then(() => ({ ranNow: true }));
  }

  /**
   * One ORT call at a time in the isolate, across all sessions: ORT's wasm is single-threaded and
   * its JavaScript keeps per-call state on the wasm stack across an `await` (stackSave, the
   * call, stackRestore), so two sessions' creations or runs interleaved there would corrupt it.
   * Since several variants of one model can now be loaded and run at once, the queue is shared.
   */
  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#ortQueue.then(work, work);
    this.#ortQueue = result.catch(() => undefined);
    return result;
  }

  async #load(manifest: ModelManifest, variant: ModelVariant, source: ModelSource): Promise<LoadedModel> {
    const loadNumber = ++this.#loads;
    const [keyring, trusted] = await Promise.all([source.keyring(), source.trustedKeys()]);
    const decrypted = await loadDecryptedModel(source.bucket, manifest, keyring, variant, trusted);
    const started = performance.now();
    let session: ort.InferenceSession;
    try {
      session = await this.#exclusive(() => createInferenceSession(decrypted.plaintext, source.executionProviders));
    } catch (error) {
      if (error instanceof BastionError) throw error;
      console.error(
        JSON.stringify({ event: "session_create_failed", model: entryKey(manifest, variant), error: String(error) }),
      );
      throw new ModelUnavailable(`model ${manifest.id}@${manifest.version} could not be started`);
    }
    return {
      manifest,
      variant,
      session,
      kid: decrypted.kid,
      executionProviders: source.executionProviders,
      loadNumber,
      timings: {
        fetchMs: decrypted.timings.readMs,
        decryptMs: decrypted.timings.decryptMs,
        sessionMs: performance.now() - started,
      },
    };
  }
}

function entryKey(manifest: ModelManifest, variant: ModelVariant): string {
  return `${modelKey(manifest)}/${variant.name}`;
}
