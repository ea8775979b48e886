/**
 * An inference function: the unit users deploy and clients call. One file in `functions/` per
 * function declares everything about it; `defineFunction` fills in the defaults.
 */
import type { z } from "zod";
import type { ort } from "../inference/runtime";
import type { TensorInput } from "../inference/tensors";
import type { ModelManifest } from "../models/manifest";
import type { RateLimitPolicy } from "../ratelimit/types";

/**
 * `JsonInput` is the JSON the input schema accepts (what a client sends), `Input` what it parses
 * to; both stay in the type so the typed client can read the former.
 */
export interface FunctionDefinition<Input, Output, Name extends string = string, JsonInput = unknown> {
  /** URL segment and OIP model name: `POST /v1/functions/{name}`, `/v2/models/{name}`. */
  name: Name;
  description: string;
  model: ModelManifest;
  /** The JSON body `POST /v1/functions/{name}` accepts; validated before anything runs. */
  input: z.ZodType<Input, JsonInput>;
  /**
   * The JSON `POST /v1/functions/{name}` answers with. It documents the function (OpenAPI, the
   * typed client) and the contract tests hold real answers to it; the worker does not re-check it.
   */
  output: z.ZodType<Output>;
  /** JSON in, tensors out; the tensors are checked against the model's signature afterwards. */
  preprocess(input: Input): TensorInput[];
  /** Tensors in (the model's outputs by name), the function's JSON out. */
  postprocess(outputs: Record<string, ort.Tensor>, input: Input): Output;
  /** What of the output may appear in the audit log (never the raw input). */
  auditSummary(output: Output): Record<string, string | number | boolean>;
  /** Scope a caller's token must grant. Default `infer:<name>`. */
  scope?: string;
  /** Its rate limit, over the defaults and under RATE_LIMITS (see src/ratelimit/policy.ts). */
  rateLimit?: Partial<RateLimitPolicy>;
  /** Largest request body accepted, in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
}

export type InferenceFunction<
  Input = unknown,
  Output = unknown,
  Name extends string = string,
  JsonInput = unknown,
> = Required<FunctionDefinition<Input, Output, Name, JsonInput>>;
export const DEFAULT_MAX_BODY_BYTES = 1 << 20;

export function defineFunction<Input, Output, const Name extends string, JsonInput>(
  definition: FunctionDefinition<Input, Output, Name, JsonInput>,
): InferenceFunction<Input, Output, Name, JsonInput> {
  return {
    ...definition,
    scope: definition.scope ?? `infer:${definition.name}`,
    rateLimit: definition.rateLimit ?? {},
    maxBodyBytes: definition.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
  };
}

/** A score rounded for the audit log: enough to review a decision, too coarse to rebuild outputs. */
export function coarse(score: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(score * scale) / scale;
}
