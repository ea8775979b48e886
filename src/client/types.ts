/**
 * Request and response types of the deployed functions, read from their zod schemas. Type-only
 * imports: nothing of zod or of the functions reaches the client's bundle.
 */
import type { z } from "zod";
import type { deployedFunctions } from "../../functions/index";
import type { InferenceFunction } from "../functions/define";
import type { functionDescriptionSchema } from "../functions/describe";
import type { modelMetadataSchema } from "../oip/schemas";

/** For each function name, the JSON it accepts and the JSON it answers with. */
export type FunctionMap = Record<string, { input: unknown; output: unknown }>;

/** The map of a list of functions declared with `defineFunction` (another deployment passes its own). */
export type FunctionTypes<T extends readonly InferenceFunction<unknown, unknown, string, unknown>[]> = {
  [F in T[number] as F["name"]]: { input: z.input<F["input"]>; output: z.output<F["output"]> };
};

/** The functions this repository deploys (functions/index.ts). */
export type BastionFunctions = FunctionTypes<typeof deployedFunctions>;

/** One entry of `GET /v1/functions`, as the server declares it (src/functions/describe.ts). */
export type FunctionDescription = z.infer<typeof functionDescriptionSchema>;

/** `GET /v2/models/{name}` (src/oip/schemas.ts): variable dimensions are -1. */
export type ModelMetadata = z.infer<typeof modelMetadataSchema>;
