/**
 * The request path's probing step (types.ts tells the story). After inference, each input of the
 * batch and its unreleased scores become an observation for the principal's monitor (a Durable
 * Object per principal and function, or Redis: store.ts); its verdict decides what this answer may be:
 *
 *   none, flagged -> the function's release policy (the verdict is recorded in the audit event)
 *   label-only    -> labels only (ART's ClassLabels), whatever the policy
 *   refused       -> 429 `probing_suspected`, nothing released
 *   stopped       -> 403 `principal_stopped`, until an operator clears it
 *
 * A principal refused or stopped is remembered in the isolate for a minute, so its next requests
 * are refused before they run (each still a strike, so refusals climb to the stop). A stop is
 * also recorded as a principal stop in the function's operator controls (src/governance/controls,
 * `onStop`): the same stop switch an operator uses, so it holds in every isolate and only an
 * operator's resume (or clear) lifts it. An operator's clear reaches an isolate within a minute. Tiers listed in `watchOnlyTiers` (default
 * `redteam`: sanctioned attacks, `npm run redteam`) are observed and recorded, never hindered.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { principalDigest } from "../auth/principal-digest";
import type { AppEnv } from "../env";
import { PrincipalStopped, ProbingSuspected, ProbingUnavailable } from "../errors";
import type { InferenceFunction } from "../functions/define";
import type { ort } from "../inference/runtime";
import { resolvePolicy } from "../release/policies";
import type { ObservationMessage } from "./durable-object";
import { noSignals } from "./monitor";
import { summarizeScores } from "./observation";
import { createProjector, type Projector } from "./projection";
import { probingStores } from "./store";
import type { ProbingLevel, ProbingPolicy, Verdict } from "./types";

const REMEMBER_REFUSALS_MS = 60_000;
/** Refusals remembered per isolate; past that it starts over (the monitor still refuses after inference). */
const MAX_REMEMBERED = 10_000;
const LABEL_ONLY = resolvePolicy({ name: "label-only" });

export function probingWatch(onStop: (c: Context<AppEnv>, verdict: Verdict) => Promise<void>) {
  const refused = new Map<string, { level: ProbingLevel; until: number }>();
  let projector: { seed: string; project: Projector } | undefined;

  const stores = probingStores();
  const keyOf = async (c: Context<AppEnv>) => `${await principalDigest(c.get("principal"))}:${c.get("fn").name}`;

  /** Applies a verdict: remembered, recorded for the audit log, and enforced unless the tier is exempt. */
  const enforce = async (c: Context<AppEnv>, policy: ProbingPolicy, key: string, verdict: Verdict) => {
    c.set("probing", verdict);
    if (policy.watchOnlyTiers.includes(c.get("principal").tier)) return;
    if (verdict.level === "refused" || verdict.level === "stopped") {
      if (refused.size >= MAX_REMEMBERED) refused.clear();
      refused.set(key, { level: verdict.level, until: Date.now() + REMEMBER_REFUSALS_MS });
    } else refused.delete(key);
    if (verdict.level === "stopped") {
      await onStop(c, verdict);
      throw new PrincipalStopped();
    }
    if (verdict.level === "refused") throw new ProbingSuspected();
    if (verdict.level === "label-only") c.get("release").policy = LABEL_ONLY;
  };

  return {
    /** Before anything runs: a principal this isolate has seen refused goes no further (one more strike). */
    refuseKnownProbers: createMiddleware<AppEnv>(async (c, next) => {
      const policy = c.get("fn").probing;
      if (policy) {
        const key = await keyOf(c);
        const known = refused.get(key);
        if (known && known.until >= Date.now())
          await enforce(c, policy, key, await guarded(policy, () => stores(c.env).strike(key, policy)));
      }
      await next();
    }),

    /**
     * After inference: observes the batch (its first input, and its unreleased scores) and, on the
     * ladder's rungs, narrows the release policy to labels or refuses the answer.
     */
    async watch(c: Context<AppEnv>, feeds: Record<string, ort.Tensor>, outputs: Record<string, ort.Tensor>) {
      const fn = c.get("fn");
      const policy = fn.probing;
      if (!policy) return;
      const input = feeds[fn.model.signature.inputs[0].name];
      const scores = outputs[fn.release.scores[0]];
      const key = await keyOf(c);
      const project = await projectorFor(c);
      const verdict = await guarded(policy, () =>
        stores(c.env).observe(key, observations(project, input, scores), policy),
      );
      await enforce(c, policy, key, verdict);
    },

    /**
     * Draws the projection for the input size of `feeds` (one batch item of the first input, as
     * `watch` sees it), so that a readiness probe pays for drawing its matrix, once per isolate
     * and size, instead of the first caller of that size (text-orientation: 27,648 inputs).
     */
    async prepare(c: Context<AppEnv>, feeds: Record<string, ort.Tensor>) {
      const fn = c.get("fn");
      if (!fn.probing) return;
      const [item] = itemsOf(feeds[fn.model.signature.inputs[0].name]);
      (await projectorFor(c))(item);
    },

    /** The operator's clear: the principal's observations, strikes and stop, here and in the monitor. */
    async clear(c: Context<AppEnv>, fn: InferenceFunction, principal: string) {
      const key = `${principal}:${fn.name}`;
      await stores(c.env).clear(key);
      refused.delete(key);
    },
  };

  /** The projection's key: derived from STATE_KEY (HKDF), so it is secret and stable per deployment. */
  async function projectorFor(c: Context<AppEnv>): Promise<Projector> {
    const secret = c.env.STATE_KEY ?? "";
    if (projector?.seed !== secret) {
      const material = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), "HKDF", false, [
        "deriveBits",
      ]);
      const bits = await crypto.subtle.deriveBits(
        {
          name: "HKDF",
          hash: "SHA-256",
          salt: new Uint8Array(0),
          info: new TextEncoder().encode("bastion probing projection v1"),
        },
        material,
        256,
      );
      projector = { seed: secret, project: createProjector(new Uint8Array(bits)) };
    }
    return projector.project;
  }
}

/** One observation per batch item: the item's input projected, its scores summarised. */
function observations(project: Projector, input: ort.Tensor, scores: ort.Tensor): ObservationMessage[] {
  const inputs = itemsOf(input);
  const scoreItems = itemsOf(scores, inputs.length);
  return inputs.map((item, i) => ({
    projection: Array.from(project(item)),
    ...summarizeScores(scoreItems[i]),
  }));
}

/** A batched tensor's items (the first dimension is the batch), as views of its data. */
function itemsOf(tensor: ort.Tensor, batch = tensor.dims[0] ?? 1): Float32Array[] {
  const data = tensor.data as Float32Array;
  const size = data.length / batch;
  return Array.from({ length: batch }, (_, i) => data.subarray(i * size, (i + 1) * size));
}

/** The monitor's answer, or the function's failure mode when it cannot be had. */
async function guarded(policy: ProbingPolicy, ask: () => Promise<Verdict>): Promise<Verdict> {
  try {
    return await ask();
  } catch (error) {
    console.warn(JSON.stringify({ event: "probing_monitor_failed", error: String(error) }));
    if (policy.onMonitorFailure === "open") return { level: "none", strikes: 0, signals: noSignals() };
    throw new ProbingUnavailable("the probing monitor is unavailable");
  }
}
