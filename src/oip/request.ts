/**
 * Open Inference Protocol v2 infer requests, in JSON or with the binary tensor data extension
 * (a JSON header of `Inference-Header-Content-Length` bytes followed by raw tensors, as Triton's
 * clients send by default).
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { InvalidInput, UnsupportedMediaType } from "../errors";
import type { TensorInput } from "../inference/tensors";
import type { ModelManifest, TensorSpec } from "../models/manifest";
import { mediaType, parseJson, parseWith, requestBody } from "../request/body";
import { inferRequestSchema } from "./schemas";

export interface InferRequest {
  id?: string;
  parameters?: Record<string, unknown>;
  inputs: TensorInput[];
  /** Requested outputs (all when absent), each with whether to send it as binary. */
  outputs?: { name: string; binary: boolean }[];
  /** Whether outputs not listed explicitly go back as binary (`binary_data_output`). */
  binaryByDefault: boolean;
}

export function readInferRequest(c: Context<AppEnv>): InferRequest {
  const type = mediaType(c);
  const headerLength = c.req.header("inference-header-content-length");
  if (type !== undefined && type !== "application/json" && type !== "application/octet-stream") {
    throw new UnsupportedMediaType(
      "application/json, or application/octet-stream with Inference-Header-Content-Length",
    );
  }
  const body = requestBody(c);
  let jsonLength = body.byteLength;
  if (headerLength !== undefined) {
    jsonLength = Number(headerLength);
    if (!/^\d+$/.test(headerLength) || jsonLength > body.byteLength) {
      throw new InvalidInput(
        "invalid_binary_header",
        "Inference-Header-Content-Length must be a length within the body",
      );
    }
  } else if (type === "application/octet-stream") {
    throw new InvalidInput("invalid_binary_header", "binary requests need the Inference-Header-Content-Length header");
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body.subarray(0, jsonLength));
  } catch {
    throw new InvalidInput("invalid_json", "the inference request is not valid UTF-8");
  }
  const request = parseWith(inferRequestSchema, parseJson(text, "the inference request"));
  let offset = jsonLength;
  const inputs = request.inputs.map((input): TensorInput => {
    const binarySize = input.parameters?.binary_data_size;
    if (binarySize === undefined) {
      if (!input.data)
        throw new InvalidInput("invalid_request", `input "${input.name}" has neither data nor binary_data_size`);
      return { name: input.name, datatype: input.datatype, shape: input.shape, data: input.data };
    }
    if (input.data)
      throw new InvalidInput("invalid_request", `input "${input.name}" has both data and binary_data_size`);
    if (offset + binarySize > body.byteLength) {
      throw new InvalidInput(
        "data_length_mismatch",
        `binary data of input "${input.name}" runs past the end of the body`,
      );
    }
    const data = body.subarray(offset, offset + binarySize);
    offset += binarySize;
    return { name: input.name, datatype: input.datatype, shape: input.shape, data };
  });
  if (offset !== body.byteLength) {
    throw new InvalidInput("data_length_mismatch", "the body has binary data that no input claims");
  }
  const binaryByDefault = request.parameters?.binary_data_output === true;
  return {
    id: request.id,
    parameters: request.parameters,
    inputs,
    outputs: request.outputs?.map((o) => ({ name: o.name, binary: o.parameters?.binary_data ?? binaryByDefault })),
    binaryByDefault,
  };
}

/** The outputs to return (all, when the request names none), each with whether to send it binary. */
export function selectOutputs(manifest: ModelManifest, request: InferRequest): { spec: TensorSpec; binary: boolean }[] {
  const specs = manifest.signature.outputs;
  if (!request.outputs) return specs.map((spec) => ({ spec, binary: request.binaryByDefault }));
  return request.outputs.map(({ name, binary }) => {
    const spec = specs.find((s) => s.name === name);
    if (!spec) throw new InvalidInput("unknown_output", `model ${manifest.id} has no output "${name}"`);
    return { spec, binary };
  });
}
