/** `createClient`: the calls Bastion answers, on top of the transport (tokens, retries, timeouts). */
import { BastionClientError, CLIENT_ERROR_CODES } from "./errors";
import type { Exchange } from "./exchange";
import { decodeInferResponse, encodeInferRequest, type InferRequest, type InferResponse } from "./oip";
import { type CallOptions, createTransport, type TransportOptions } from "./transport";
import type { BastionFunctions, FunctionDescription, FunctionMap, ModelMetadata } from "./types";
import { createVadStream, type VadCall, type VadStream, type VadStreamOptions } from "./vad-stream";

export type ClientOptions = TransportOptions;

export interface ModelOptions extends CallOptions {
  /** A model version (`/versions/{v}`); the function's current one when absent. */
  version?: string;
}

export interface InferOptions extends ModelOptions {
  /** Send the inputs and receive the outputs as raw bytes (binary tensor data extension). */
  binary?: boolean;
}

export interface BastionClient<Functions extends FunctionMap> {
  /** `POST /v1/functions/{name}`: the function's JSON in, its JSON out. */
  fn<Name extends keyof Functions & string>(
    name: Name,
    input: Functions[Name]["input"],
    options?: CallOptions,
  ): Promise<Functions[Name]["output"]>;
  /** `POST /v2/models/{name}[/versions/{v}]/infer`: Open Inference Protocol, outputs as typed arrays. */
  infer(name: keyof Functions & string, request: InferRequest, options?: InferOptions): Promise<InferResponse>;
  /** `GET /v1/functions`: the functions the token may see, with JSON Schemas and model cards. */
  functions(options?: CallOptions): Promise<FunctionDescription[]>;
  /** `GET /v2/models/{name}[/versions/{v}]`: OIP model metadata. */
  model(name: keyof Functions & string, options?: ModelOptions): Promise<ModelMetadata>;
  /** `GET /v2/models/{name}[/versions/{v}]/ready`: loads the model; false when it cannot be served now (503). */
  ready(name: keyof Functions & string, options?: ModelOptions): Promise<boolean>;
  /** Speech probabilities and segments over a stream of audio, through the `vad` function. */
  vadStream(options: VadStreamOptions): VadStream;
}

export function createClient<Functions extends FunctionMap = BastionFunctions>(
  options: ClientOptions,
): BastionClient<Functions> {
  const send = createTransport(options);
  const modelPath = (name: string, version?: string) =>
    `/v2/models/${encodeURIComponent(name)}${version === undefined ? "" : `/versions/${encodeURIComponent(version)}`}`;
  const callFunction = async (name: string, input: unknown, call?: CallOptions) =>
    readJson(
      await send(
        {
          method: "POST",
          path: `/v1/functions/${encodeURIComponent(name)}`,
          headers: { "content-type": "application/json" },
          body: JSON.stringify(input),
        },
        call,
      ),
    );

  return {
    fn: (name, input, call) => callFunction(name, input, call) as Promise<never>,
    async infer(name, request, { binary = false, version, signal } = {}) {
      const { body, headers } = encodeInferRequest(request, binary);
      const path = `${modelPath(name, version)}/infer`;
      return decodeInferResponse(await send({ method: "POST", path, headers, body }, { signal }));
    },
    async functions(call) {
      const listing = readJson(await send({ method: "GET", path: "/v1/functions" }, call));
      return (listing as { functions: FunctionDescription[] }).functions;
    },
    async model(name, { version, signal } = {}) {
      return readJson(await send({ method: "GET", path: modelPath(name, version) }, { signal })) as ModelMetadata;
    },
    async ready(name, { version, signal } = {}) {
      // A probe wants the answer now: a model that cannot be served is a `false`, not a wait.
      const probe = { method: "GET", path: `${modelPath(name, version)}/ready`, retry: { attempts: 1 } } as const;
      try {
        await send(probe, { signal });
        return true;
      } catch (error) {
        if (error instanceof BastionClientError && error.status === 503) return false;
        throw error;
      }
    },
    vadStream: (streamOptions) =>
      createVadStream((input, call) => callFunction("vad", input, call) as ReturnType<VadCall>, streamOptions),
  };
}

function readJson(exchange: Exchange): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(exchange.body));
  } catch (error) {
    throw new BastionClientError("the answer is not JSON", { code: CLIENT_ERROR_CODES.invalidResponse, cause: error });
  }
}
