/**
 * The inference step of a request: get the variant of the function's model that serves the
 * request's shapes (loading it if this isolate has not yet), run it, and report where the time
 * went in `Server-Timing` when that is switched on.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { ModelUnavailable } from "../errors";
import type { TrustedKeys } from "../governance/keys";
import type { Keyring } from "../models/keyring";
import { type ModelManifest, type ModelVariant, variantFor } from "../models/manifest";
import { detectCapabilities, parsePreference, selectExecutionProviders } from "./execution-provider";
import type { ort } from "./runtime";
import type { LoadedModel, ModelSessions } from "./sessions";
import { warmUpFeeds } from "./tensors";

export interface InferenceContext {
  sessions: ModelSessions;
  keyring: (secret: string | undefined) => Promise<Keyring>;
  trustedKeys: () => Promise<TrustedKeys>;
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
    trustedKeys: deps.trustedKeys,
    executionProviders: selectExecutionProviders(parsePreference(c.env.EXECUTION_PROVIDER), detectCapabilities()),
  });
}

/**
 * Loads every variant of a model and runs each once on zeros (`warmUpFeeds`), so that no request
 * shape meets a cold one (readiness probes). A variant that cannot run is not ready: 503. With
 * SERVER_TIMING on, the answer names each variant this probe warmed and what its run took.
 * Returns how many variants this call warmed (0 once they all were, by earlier probes).
 */
export async function warmAllVariants(
  c: Context<AppEnv>,
  deps: InferenceContext,
  manifest: ModelManifest,
): Promise<number> {
  const warmed = await Promise.all(
    manifest.variants.map(async (variant) => {
      const { model } = await acquireModel(c, deps, manifest, variant);
      const started = performance.now();
      const { ranNow } = await deps.sessions
        .warm(model, () => warmUpFeeds(manifest, variant))
        .catch((error: unknown) => {
          const name = `${manifest.id}@${manifest.version}/${variant.name}`;
          console.error(JSON.stringify({ event: "model_warm_up_failed", model: name, error: String(error) }));
          throw new ModelUnavailable(`model ${manifest.id}@${manifest.version} could not run`);
        });
      return ranNow ? `warm-up;desc="${variant.name}";dur=${(performance.now() - started).toFixed(2)}` : undefined;
    }),
  );
  const timings = warmed.filter((timing) => timing !== undefined);
  if (c.env.SERVER_TIMING === "on" && timings.length > 0) c.header("Server-Timing", timings.join(", "));
  return timings.length;
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
