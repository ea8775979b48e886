/**
 * The inference step of a request: get the function's model (loading it if this isolate has not
 * yet), run it, and report where the time went in `Server-Timing` when that is switched on.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import type { Keyring } from "../models/keyring";
import type { ModelManifest } from "../models/manifest";
import { detectCapabilities, parsePreference, selectExecutionProviders } from "./execution-provider";
import type { ort } from "./runtime";
import type { LoadedModel, ModelSessions } from "./sessions";

export interface InferenceContext {
  sessions: ModelSessions;
  keyring: (secret: string | undefined) => Promise<Keyring>;
}

export async function acquireModel(c: Context<AppEnv>, deps: InferenceContext, manifest: ModelManifest) {
  return deps.sessions.acquire(manifest, {
    bucket: c.env.MODELS,
    keyring: () => deps.keyring(c.env.MODEL_KEYS),
    executionProviders: selectExecutionProviders(parsePreference(c.env.EXECUTION_PROVIDER), detectCapabilities()),
  });
}

export async function runModel(
  c: Context<AppEnv>,
  deps: InferenceContext,
  manifest: ModelManifest,
  feeds: Record<string, ort.Tensor>,
  outputNames: string[] = manifest.signature.outputs.map((o) => o.name),
): Promise<{ outputs: Record<string, ort.Tensor>; model: LoadedModel }> {
  const { model, joined } = await acquireModel(c, deps, manifest);
  c.set("inference", { model: manifest, kid: model.kid, feeds });
  const started = performance.now();
  const outputs = await deps.sessions.run(model, feeds, outputNames);
  if (c.env.SERVER_TIMING === "on") {
    const timings = [`inference;dur=${(performance.now() - started).toFixed(2)}`];
    if (joined) {
      const { fetchMs, decryptMs, sessionMs } = model.timings;
      timings.unshift(
        `model-load;desc="${model.loadNumber}"`,
        `model-fetch;dur=${fetchMs.toFixed(2)}`,
        `model-decrypt;dur=${decryptMs.toFixed(2)}`,
        `session-create;desc="${model.executionProviders.join(" ")}";dur=${sessionMs.toFixed(2)}`,
      );
    }
    c.header("Server-Timing", timings.join(", "));
  }
  return { outputs, model };
}
