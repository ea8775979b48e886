/**
 * Open Inference Protocol v2 infer requests and responses as the client sends and reads them:
 * JSON tensors, or the binary tensor data extension (a JSON header of
 * `Inference-Header-Content-Length` bytes, then each tensor's raw little-endian bytes in order;
 * see src/oip/request.ts and src/oip/response.ts for the server's side).
 */
import { BastionClientError, CLIENT_ERROR_CODES } from "./errors";
import type { Exchange } from "./exchange";
import {
  type Datatype,
  fromLittleEndian,
  isDatatype,
  littleEndianBytes,
  type TensorData,
  type TypedArrayOf,
  toJsonArray,
  toTypedArray,
} from "./tensors";

export interface InputTensor {
  name: string;
  datatype: Datatype;
  shape: number[];
  /** Row-major elements. */
  data: TensorData;
}

export interface InferRequest {
  id?: string;
  inputs: InputTensor[];
  /** The outputs wanted (all when absent). */
  outputs?: { name: string }[];
  parameters?: Record<string, unknown>;
}

/** An output tensor; narrowing on `datatype` narrows `data` (FP32: Float32Array, INT64: BigInt64Array...). */
export type OutputTensor = {
  [D in Datatype]: { name: string; datatype: D; shape: number[]; data: TypedArrayOf<D> };
}[Datatype];

export interface InferResponse {
  model_name: string;
  model_version: string;
  id?: string;
  parameters?: Record<string, unknown>;
  outputs: OutputTensor[];
}

export function encodeInferRequest(
  request: InferRequest,
  binary: boolean,
): { body: string | Uint8Array<ArrayBuffer>; headers: Record<string, string> } {
  const { id, parameters, inputs, outputs } = request;
  if (!binary) {
    const json = {
      id,
      parameters,
      inputs: inputs.map(({ name, datatype, shape, data }) => ({
        name,
        datatype,
        shape,
        data: toJsonArray(datatype, data),
      })),
      outputs,
    };
    return { body: JSON.stringify(json), headers: { "content-type": "application/json" } };
  }
  const tensors = inputs.map((input) => littleEndianBytes(toTypedArray(input.datatype, input.data)));
  const header = new TextEncoder().encode(
    JSON.stringify({
      id,
      parameters: { ...parameters, binary_data_output: true },
      inputs: inputs.map(({ name, datatype, shape }, i) => ({
        name,
        datatype,
        shape,
        parameters: { binary_data_size: tensors[i].byteLength },
      })),
      outputs: outputs?.map(({ name }) => ({ name, parameters: { binary_data: true } })),
    }),
  );
  const body = new Uint8Array(header.byteLength + tensors.reduce((sum, t) => sum + t.byteLength, 0));
  let offset = 0;
  for (const part of [header, ...tensors]) {
    body.set(part, offset);
    offset += part.byteLength;
  }
  return {
    body,
    headers: {
      "content-type": "application/octet-stream",
      "inference-header-content-length": String(header.byteLength),
    },
  };
}

interface WireOutput {
  name: string;
  datatype: string;
  shape: number[];
  data?: unknown[];
  parameters?: { binary_data_size?: number };
}

/** The response with every output as a typed array, whichever way it was sent. */
export function decodeInferResponse({ headers, body }: Exchange): InferResponse {
  try {
    const headerLength = headers.get("inference-header-content-length");
    const jsonEnd = headerLength === null ? body.byteLength : Number(headerLength);
    if (!Number.isInteger(jsonEnd) || jsonEnd > body.byteLength) throw new Error("bad Inference-Header-Content-Length");
    const head = JSON.parse(new TextDecoder().decode(body.subarray(0, jsonEnd)));
    let offset = jsonEnd;
    const outputs = (head.outputs as WireOutput[]).map(({ name, datatype, shape, data, parameters }) => {
      if (!isDatatype(datatype)) throw new Error(`unknown datatype ${datatype}`);
      const size = parameters?.binary_data_size;
      if (size === undefined) return { name, datatype, shape, data: toTypedArray(datatype, data ?? []) };
      if (offset + size > body.byteLength) throw new Error(`output ${name} runs past the body`);
      const bytes = body.subarray(offset, offset + size);
      offset += size;
      return { name, datatype, shape, data: fromLittleEndian(datatype, bytes) };
    });
    return { ...head, outputs: outputs as OutputTensor[] };
  } catch (error) {
    throw new BastionClientError(`not an inference response: ${error}`, {
      code: CLIENT_ERROR_CODES.invalidResponse,
      cause: error,
    });
  }
}
