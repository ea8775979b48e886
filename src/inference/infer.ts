/**
 * The inference step of a request: get the variant of the function's model that serves the
 * request's shapes (loading it if this isolate has not yet), run it, and report where the time
 * went in `Server-Timing` when that is switched on.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import type { Keyring } from "../models/keyring";
import { type ModelManifest, type ModelVariant, variantFor } from "../models/manifest";
import { detectCapabilities, parsePreference, selectExecutionProviders } from "./execution-provider";
import type { ort } from "./runtime";
import type { LoadedModel, ModelSessions } from "./sessions";

export interface InferenceContext {
  sessions: ModelSessions;
  keyring: (secret: string | undefined) => Promise<Keyring>;
}

export async function acquireModel(
  c: Context<AppEnv>,
  deps: InferenceContext,
  manifest: ModelManifest,
  variant: ModelVariant,
) {
  return deps.sessions.acquire(manifest, variant, {
    bucket: c.env.MODELS,
    keyring: () => deps.keyring(c.env.MODEL_KEYS),
    executionProviders: selectExecutionProviders(parsePreference(c.env.EXECUTION_PROVIDER), detectCapabilities()),
  });
}

/** Loads every variant of a model, so that no request shape meets a cold one (readiness probes). */
export async function acquireAllVariants(c: Context<AppEnv>, deps: InferenceContext, manifest: ModelManifest) {
  await Promise.all(manifest.variants.map((variant) => acquireModel(c, deps, manifest, variant)));
}

export async function runModel(
  c: Context<AppEnv>,
  deps: InferenceContext,
  manifest: ModelManifest,
  feeds: Record<string, ort.Tensor>,
  outputNames: string[] = manifest.signature.outputs.map((o) => o.name),
): Promise<{ outputs: Record<string, ort.Tensor>; model: LoadedModel }> {
  const { model, joined } = await acquireModel(c, deps, manifest, variantFor(manifest, requestDims(manifest, feeds)));
  c.set("inference", { model: manifest, variant: model.variant.name, kid: model.kid, feeds });
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

/** The sizes the request gives the signature's variable dimensions (batch: 3). */
function requestDims(manifest: ModelManifest, feeds: Record<string, ort.Tensor>): Record<string, number> {
  const dims: Record<string, number> = {};
  for (const spec of manifest.signature.inputs)
    spec.shape.forEach((dim, axis) => {
      if (typeof dim === "string") dims[dim] = feeds[spec.name].dims[axis];
    });
  return dims;
}
