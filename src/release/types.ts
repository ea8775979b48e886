/**
 * Release policies in one page: what of a model's answer leaves the worker.
 *
 * A function declares which of its model's outputs are **scores** (`release.scores` in its file):
 * class probabilities, such as text-orientation's softmax or vad's speech probability. Its
 * **release policy** transforms every vector of them, along the last axis, right after inference
 * and before anything else sees them. So both routes release the same thing: OIP sends the
 * released tensors, and the function's postprocessing builds its JSON from them (vad's `speech`
 * is the released probability against the caller's threshold; compared with the exact one, a
 * caller could bisect the threshold to read the probability back bit by bit). Scores a function
 * derives from raw outputs (text-detect's box scores) go through `context.release` in its file.
 *
 * Every other output is **raw**: text-detect's probability map, vad's recurrent state, logits. The
 * function's postprocessing reads them in full, but OIP sends them only to callers holding
 * `infer:raw` (`raw-outputs.ts`), and vad's state leaves `/v1` sealed (`sealed-state.ts`).
 *
 * The postprocessors follow the Adversarial Robustness Toolbox (art/defences/postprocessor), one
 * file each, with its parameters and defaults: `label-only` (ClassLabels), `rounded` (Rounded),
 * `high-confidence` (HighConfidence), `gaussian-noise` (GaussianNoise), `reverse-sigmoid`
 * (ReverseSigmoid); plus `top-k`, which ART does not have, and `full`. Which one applies is
 * configuration (`settings.ts`): the function's default, overridden per function and tier by
 * `RELEASE_POLICIES`. The audit log records the policy's name, version and parameters.
 */
import type { z } from "zod";

/** One vector of class scores: a row of a score output, along its last axis. */
export type Scores = readonly number[];

/** Draws from the standard normal distribution (the noise source of `gaussian-noise`). */
export type NormalSource = () => number;

/** A postprocessor: one vector of scores in, the vector released out. */
export interface Postprocessor {
  name: string;
  /** Bumped whenever the same scores and parameters would be released differently. */
  version: number;
  /** Its parameters, with ART's defaults for those left out. */
  params: z.ZodObject;
  apply(scores: Scores, params: Record<string, number>, normal: NormalSource): number[];
}

/** A postprocessor, typed by its parameters where it is written and plain where it is looked up. */
export function definePostprocessor<Params extends z.ZodObject>(postprocessor: {
  name: string;
  version: number;
  params: Params;
  apply(scores: Scores, params: z.output<Params>, normal: NormalSource): number[];
}): Postprocessor {
  // Parameters reach `apply` only after `params` parsed them.
  return postprocessor as unknown as Postprocessor;
}

/** A policy as configured: a postprocessor's name and any of its parameters, `{"name": "rounded", "decimals": 2}`. */
export type PolicySetting = { name: string } & Record<string, unknown>;

/** The policy a request is released under, parameters complete; the audit log keeps all of it. */
export interface ReleasePolicy {
  name: string;
  version: number;
  params: Record<string, number>;
}

/** How a function declares its release (`release` in its file). */
export interface ReleaseDeclaration {
  /** The policy unless configuration says otherwise: the least that serves the function's purpose. */
  default: PolicySetting;
  /** The model outputs that are class scores (the policy applies to each along its last axis); the rest are raw. */
  scores: readonly string[];
}
