/**
 * An inference function: the unit users deploy and clients call. One file in `functions/` per
 * function declares everything about it; `defineFunction` fills in the defaults.
 */
import type { z } from "zod";
import type { ort } from "../inference/runtime";
import type { TensorInput } from "../inference/tensors";
import type { ModelManifest } from "../models/manifest";
import { type FernetPolicy, type FernetSettings, fernetPolicy } from "../privacy/sealing/policy";
import { type ProbingSettings, probingPolicy } from "../probing/policy";
import type { ProbingPolicy } from "../probing/types";
import type { RateLimitPolicy } from "../ratelimit/types";
import { resolvePolicy } from "../release/policies";
import type { ReleaseDeclaration, Scores } from "../release/types";

/**
 * `JsonInput` is the JSON the input schema accepts (what a client sends), `Input` what it parses
 * to; both stay in the type so the typed client can read the former.
 */
export interface FunctionDefinition<Input, Output, Name extends string = string, JsonInput = unknown> {
  /** URL segment and OIP model name: `POST /v1/functions/{name}`, `/v2/models/{name}`. */
  name: Name;
  description: string;
  /**
   * The preprocessing this function implements (`name/N`): every model version it serves must
   * declare the same id in its manifest. Change the id when the preprocessing changes.
   */
  preprocessing: string;
  /** The model `/v1/functions/{name}` and the unversioned OIP routes use: the default version. */
  model: ModelManifest;
  /**
   * Further versions of the model, each served at `/v2/models/{name}/versions/{version}` beside
   * the default (a retrained or differentially private variant). Each must take and give the
   * same tensors as `model`, since the same pre- and postprocessing serve them all. A defined
   * function's `versions` are all it serves, the default first.
   */
  versions?: ModelManifest[];
  /** The JSON body `POST /v1/functions/{name}` accepts; validated before anything runs. */
  input: z.ZodType<Input, JsonInput>;
  /**
   * The JSON `POST /v1/functions/{name}` answers with. It documents the function (OpenAPI, the
   * typed client) and the contract tests hold real answers to it; the worker does not re-check it.
   */
  output: z.ZodType<Output>;
  /** JSON in, tensors out; the tensors are checked against the model's signature afterwards. */
  preprocess(input: Input, context: FunctionContext): TensorInput[] | Promise<TensorInput[]>;
  /**
   * Tensors in (the model's outputs by name: score outputs already released by the policy, raw
   * ones as computed), the function's JSON out.
   */
  postprocess(outputs: Record<string, ort.Tensor>, input: Input, context: FunctionContext): Output | Promise<Output>;
  /**
   * What of the model's answer is released (src/release/types.ts): the default policy, the least
   * that serves the function's purpose, and which outputs are class scores; the rest are raw.
   */
  release: ReleaseDeclaration;
  /**
   * Watching for probing and model extraction (src/probing): the detector's settings over its
   * defaults, or `false`. Default: on for functions with class scores, off for those without.
   */
  probing?: ProbingSettings | false;
  /** What of the output may appear in the audit log (never the raw input). */
  auditSummary(output: Output): Record<string, string | number | boolean>;
  /** Scope a caller's token must grant. Default `infer:<name>`. */
  scope?: string;
  /** Its rate limit, over the defaults and under RATE_LIMITS (see src/ratelimit/policy.ts). */
  rateLimit?: Partial<RateLimitPolicy>;
  /** Largest request body accepted, in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Fernet-sealed input fields (src/privacy/sealing): the largest token age. Default one day. */
  fernet?: FernetSettings;
  /** What personal data the function processes, for the GDPR Art. 30 record (npm run docs). */
  personalData: PersonalDataDeclaration;
}

/** What a request gives the function's pre- and postprocessing beyond its input. */
/** A function's processing of personal data, as GDPR Art. 30 asks a controller to record it. */
export interface PersonalDataDeclaration {
  /** Why the data is processed. */
  purpose: string;
  /** Whose data it may be (the caller; people heard or pictured in the input). */
  dataSubjects: string[];
  /** What data; empty when none is expected. */
  categories: string[];
  /** Special categories (Art. 9) that inputs may reveal, though the function does not seek them. */
  specialCategories: string[];
}

export interface FunctionContext {
  /** The request's release policy applied to scores the function derives itself (from raw outputs). */
  release(scores: Scores): number[];
  /** Recurrent state, sealed for this caller, function and model (src/release/sealed-state.ts). */
  state: {
    seal(values: Float32Array): Promise<string>;
    /** The `length` floats of a token `seal` gave this caller; a 400 `invalid_state` otherwise. */
    open(token: string, length: number): Promise<Float32Array>;
  };
}

export type InferenceFunction<
  Input = unknown,
  Output = unknown,
  Name extends string = string,
  JsonInput = unknown,
> = Required<Omit<FunctionDefinition<Input, Output, Name, JsonInput>, "probing" | "fernet">> & {
  probing: ProbingPolicy | false;
  fernet: FernetPolicy;
};
export const DEFAULT_MAX_BODY_BYTES = 1 << 20;

export function defineFunction<Input, Output, const Name extends string, JsonInput>(
  definition: FunctionDefinition<Input, Output, Name, JsonInput>,
): InferenceFunction<Input, Output, Name, JsonInput> {
  // Mistakes in a function's file fail when it loads, not when a request finds them.
  if (definition.name === "raw") throw new Error('"raw" is not a function name: infer:raw is the raw-outputs scope');
  resolvePolicy(definition.release.default);
  const outputs = definition.model.signature.outputs.map((o) => o.name);
  for (const name of definition.release.scores)
    if (!outputs.includes(name)) throw new Error(`${definition.name}: release.scores names no output "${name}"`);
  const versions = [definition.model, ...(definition.versions ?? [])];
  for (const [i, version] of versions.entries()) {
    if (versions.findIndex((v) => v.version === version.version) !== i)
      throw new Error(`${definition.name}: model version "${version.version}" is declared twice`);
    if (version.preprocessing.id !== definition.preprocessing)
      throw new Error(
        `${definition.name}: model version "${version.version}" expects preprocessing ${version.preprocessing.id}, the function implements ${definition.preprocessing}`,
      );
    if (JSON.stringify(version.signature) !== JSON.stringify(definition.model.signature))
      throw new Error(
        `${definition.name}: model version "${version.version}" has another signature than the default's`,
      );
  }
  return {
    ...definition,
    versions,
    scope: definition.scope ?? `infer:${definition.name}`,
    rateLimit: definition.rateLimit ?? {},
    maxBodyBytes: definition.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    fernet: fernetPolicy(definition.fernet),
    probing:
      definition.probing === false || definition.release.scores.length === 0
        ? false
        : probingPolicy(definition.probing),
  };
}

/** A score rounded for the audit log: enough to review a decision, too coarse to rebuild outputs. */
export function coarse(score: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(score * scale) / scale;
}
