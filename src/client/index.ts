/**
 * Bastion's TypeScript client: fetch, AbortController, timers and typed arrays only, so it runs in
 * browsers, React Native, Workers and Node 20, with no dependencies.
 *
 *   const bastion = createClient({ baseUrl: "https://bastion.example.com", token: () => auth.getToken() });
 *   const { speech, state } = await bastion.fn("vad", { audio: frame });        // typed from the function's schemas
 *   const { outputs } = await bastion.infer("vad", { inputs }, { binary: true }); // OIP; outputs as typed arrays
 *   const vad = bastion.vadStream({ sampleRate: audioContext.sampleRate });
 *   const { frames, segments, speakingSince } = await vad.push(chunk);            // then: await vad.end()
 *
 * Options: `token` is a string or a provider (called per request, and with `{ refresh: true }`
 * once after a `401 invalid_token`); `fetch` replaces the global one; `timeoutMs` bounds each
 * attempt (default 30 s); `retry: { attempts, maxElapsedMs }` (default 3 and 30 s) bounds the
 * retries of 429 and 503 answers that carry `Retry-After` (waited, plus jitter) and of failures
 * before any answer. Nothing else is retried. Every call takes `{ signal }`, which also cuts a
 * wait between attempts short. Failures are `BastionClientError`s: `status`, `code` (the
 * server's, or `timeout`, `aborted`, `network_error`, `response_interrupted`,
 * `invalid_response`), `requestId`, `retryAfter`.
 *
 * `createClient<Functions>()` takes another deployment's function map (`FunctionTypes<typeof
 * itsFunctions>`); the default is this repository's functions.
 */
export { type BastionClient, type ClientOptions, createClient, type InferOptions, type ModelOptions } from "./client";
export { BastionClientError, CLIENT_ERROR_CODES } from "./errors";
export type { InferRequest, InferResponse, InputTensor, OutputTensor } from "./oip";
export { Resampler } from "./resample";
export type { RetryOptions } from "./retry";
export { DEFAULT_SPEECH_OPTIONS, type SpeechOptions, type SpeechSegment, SpeechSegmenter } from "./speech-segments";
export type { Datatype, TensorData, TypedArray, TypedArrayOf } from "./tensors";
export type { CallOptions, TokenProvider } from "./transport";
export type { BastionFunctions, FunctionDescription, FunctionMap, FunctionTypes, ModelMetadata } from "./types";
export type { VadFrame, VadStream, VadStreamOptions, VadUpdate } from "./vad-stream";
