/**
 * Request and response types of the deployed functions, read from their zod schemas. Type-only
 * imports: nothing of zod or of the functions reaches the client's bundle.
 */
import type { z } from "zod";
import type { deployedFunctions } from "../../functions/index";
import type { InferenceFunction } from "../functions/define";

/** For each function name, the JSON it accepts and the JSON it answers with. */
export type FunctionMap = Record<string, { input: unknown; output: unknown }>;

/** The map of a list of functions declared with `defineFunction` (another deployment passes its own). */
export type FunctionTypes<T extends readonly InferenceFunction<unknown, unknown, string, unknown>[]> = {
  [F in T[number] as F["name"]]: { input: z.input<F["input"]>; output: z.output<F["output"]> };
};

/** The functions this repository deploys (functions/index.ts). */
export type BastionFunctions = FunctionTypes<typeof deployedFunctions>;

/** One entry of `GET /v1/functions`. */
export interface FunctionDescription {
  name: string;
  description: string;
  endpoint: string;
  scope: string;
  model: { id: string; version: string; sha256: string; license: string; card: Record<string, unknown> };
  /** JSON Schemas of the request and response bodies. */
  input: Record<string, unknown>;
  output: Record<string, unknown>;
}

/** `GET /v2/models/{name}`: variable dimensions are -1. */
export interface ModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: { name: string; datatype: string; shape: number[] }[];
  outputs: { name: string; datatype: string; shape: number[] }[];
}
