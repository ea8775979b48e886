/** Open Inference Protocol v2 responses: metadata, and infer responses in JSON or binary form. */
import type { z } from "zod";
import type { ort } from "../inference/runtime";
import { fromOrtTensor, tensorBytes } from "../inference/tensors";
import type { ModelManifest, TensorSpec } from "../models/manifest";
import type { inferResponseSchema, modelMetadataSchema } from "./schemas";

function tensorMetadata(spec: TensorSpec) {
  return { name: spec.name, datatype: spec.datatype, shape: spec.shape.map((d) => (typeof d === "number" ? d : -1)) };
}

/** `manifest` is the version asked about; `versions` every version the function serves. */
export function modelMetadata(
  name: string,
  manifest: ModelManifest,
  versions: ModelManifest[],
): z.infer<typeof modelMetadataSchema> {
  return {
    name,
    versions: versions.map((v) => v.version),
    platform: "onnx_onnxv1",
    inputs: manifest.signature.inputs.map(tensorMetadata),
    outputs: manifest.signature.outputs.map(tensorMetadata),
  };
}

export interface InferResponseOutput {
  spec: TensorSpec;
  tensor: ort.Tensor;
  /** Send as raw little-endian bytes after the JSON header (binary tensor data extension). */
  binary: boolean;
}

/** The response body and the headers it needs (binary responses carry the JSON header length). */
export function inferResponse(
  head: { model_name: string; model_version: string; id?: string; parameters?: Record<string, unknown> },
  outputs: InferResponseOutput[],
): { body: string | Uint8Array<ArrayBuffer>; headers: Record<string, string> } {
  const binaries: Uint8Array[] = [];
  const json: z.infer<typeof inferResponseSchema> = {
    ...head,
    outputs: outputs.map(({ spec, tensor, binary }) => {
      if (!binary) return fromOrtTensor(spec, tensor);
      const bytes = tensorBytes(spec, tensor);
      binaries.push(bytes);
      return {
        name: spec.name,
        datatype: spec.datatype,
        shape: [...tensor.dims],
        parameters: { binary_data_size: bytes.byteLength },
      };
    }),
  };
  const text = JSON.stringify(json);
  if (binaries.length === 0) return { body: text, headers: { "content-type": "application/json" } };
  const header = new TextEncoder().encode(text);
  const body = new Uint8Array(header.byteLength + binaries.reduce((n, b) => n + b.byteLength, 0));
  body.set(header, 0);
  let offset = header.byteLength;
  for (const binary of binaries) {
    body.set(binary, offset);
    offset += binary.byteLength;
  }
  return {
    body,
    headers: {
      "content-type": "application/octet-stream",
      "inference-header-content-length": String(header.byteLength),
    },
  };
}
