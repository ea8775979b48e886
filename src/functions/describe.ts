/** What `GET /v1/functions` tells a client about each function it may read. */
import { z } from "zod";
import { type ModelManifest, manifestSchema } from "../models/manifest";
import { inputJsonSchema } from "../request/schema";
import type { InferenceFunction } from "./define";

const jsonSchema = z.record(z.string(), z.unknown()).describe("JSON Schema (2020-12)");
const modelSchema = manifestSchema.pick({ id: true, version: true, sha256: true, license: true, card: true });

export const functionDescriptionSchema = z.object({
  name: z.string(),
  description: z.string(),
  endpoint: z.string().describe("where to POST the input"),
  scope: z.string().describe("the scope a token needs to call it (infer:* also does)"),
  model: modelSchema.describe("the model behind it; sha256 is the plaintext's digest, pinned in the bundled manifest"),
  versions: z
    .array(modelSchema)
    .describe("every model version it serves, the default (`model`) first: /v2/models/{name}/versions/{version}"),
  input: jsonSchema.describe("the body the endpoint accepts"),
  output: jsonSchema.describe("the body it answers with"),
});

export const functionListSchema = z.object({ functions: z.array(functionDescriptionSchema) });

export function describeFunction(fn: InferenceFunction): z.infer<typeof functionDescriptionSchema> {
  const describeModel = ({ id, version, sha256, license, card }: ModelManifest) => ({
    id,
    version,
    sha256,
    license,
    card,
  });
  return {
    name: fn.name,
    description: fn.description,
    endpoint: `/v1/functions/${fn.name}`,
    scope: fn.scope,
    model: describeModel(fn.model),
    versions: fn.versions.map(describeModel),
    input: inputJsonSchema(fn.input),
    output: outputJsonSchema(fn.output),
  };
}

/** What a response holds for `schema`, as JSON Schema (2020-12, OpenAPI 3.1's dialect). */
export function outputJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema);
  return rest;
}
