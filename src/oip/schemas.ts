/**
 * The Open Inference Protocol v2 bodies Bastion reads and writes, as zod schemas: requests are
 * validated with them, responses are typed by them, and the OpenAPI document (src/openapi)
 * publishes them. Kept apart from the code that builds responses, so documenting them loads no
 * inference runtime.
 */
import { z } from "zod";
import { boundedArray } from "../request/schema";

const parameters = z.record(z.string(), z.unknown());
/** Far more tensors and dimensions than any model here has; bounds checked before elements are. */
const MAX_TENSORS = 64;
const MAX_RANK = 8;

/** An infer request as JSON (or the JSON header of a binary one). */
export const inferRequestSchema = z.object({
  id: z.string().max(256).optional(),
  parameters: parameters.optional(),
  inputs: boundedArray(
    z.object({
      name: z.string().min(1).max(256),
      shape: boundedArray(z.number().int().nonnegative(), MAX_RANK),
      datatype: z.string().min(1).max(16),
      parameters: z.object({ binary_data_size: z.number().int().nonnegative().optional() }).passthrough().optional(),
      data: z
        .custom<unknown[]>(Array.isArray, "data must be an array")
        .meta({ type: "array", description: "the elements, flat in row-major order or nested as the shape" })
        .optional(),
    }),
    MAX_TENSORS,
  ).refine((inputs) => inputs.length > 0, "at least one input is required"),
  outputs: boundedArray(
    z.object({
      name: z.string().min(1).max(256),
      parameters: z.object({ binary_data: z.boolean().optional() }).passthrough().optional(),
    }),
    MAX_TENSORS,
  ).optional(),
});

export const serverMetadataSchema = z.object({
  name: z.string(),
  version: z.string(),
  extensions: z.array(z.string()).describe("OIP extensions served: binary_tensor_data"),
});

export const SERVER_METADATA: z.infer<typeof serverMetadataSchema> = {
  name: "bastion",
  version: "0.1.0",
  extensions: ["binary_tensor_data"],
};

const tensorMetadataSchema = z.object({
  name: z.string(),
  datatype: z.string().describe("OIP datatype: FP32, INT64, BOOL, ..."),
  shape: z.array(z.number().int().min(-1)).describe("-1 for a dimension of any size"),
});

export const modelMetadataSchema = z.object({
  name: z.string(),
  versions: z.array(z.string()),
  platform: z.string(),
  inputs: z.array(tensorMetadataSchema),
  outputs: z.array(tensorMetadataSchema),
});

export const modelReadySchema = z.object({ name: z.string(), ready: z.literal(true) });

export const inferResponseSchema = z.object({
  model_name: z.string(),
  model_version: z.string(),
  id: z.string().optional().describe("the request's id, when it had one"),
  parameters: z.record(z.string(), z.unknown()).optional(),
  outputs: z.array(
    z.object({
      name: z.string(),
      datatype: z.string(),
      shape: z.array(z.number().int().min(0)),
      data: z
        .array(z.union([z.number(), z.boolean()]))
        .optional()
        .describe("the elements in row-major order; absent when sent as binary"),
      parameters: z
        .object({ binary_data_size: z.number().int().min(0) })
        .optional()
        .describe("set when the tensor's bytes follow the JSON header (binary tensor data extension)"),
    }),
  ),
});
