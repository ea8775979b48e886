/**
 * onnxruntime-web inside workerd.
 *
 * workerd forbids compiling WebAssembly from bytes at run time and gives modules no
 * `import.meta.url`, so ORT can neither fetch nor compile its wasm. Wrangler instead ships the
 * wasm as a precompiled `WebAssembly.Module`; while ORT initialises we answer its single
 * `WebAssembly.instantiate(bytes, imports)` call with an instance of that module.
 */

import ortWasmModule from "onnxruntime-web/ort-wasm-simd-threaded.wasm";
import * as ort from "onnxruntime-web/wasm";
import type { ExecutionProvider } from "./execution-provider";

// The smallest valid wasm header: it only stops ORT from looking for a URL; the real code comes
// from `ortWasmModule`.
const PLACEHOLDER_WASM = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

let firstCreation: Promise<unknown> | undefined;

/**
 * A 147-byte model, one 1x1 Gemm (made with test/linear-onnx.ts), whose only job is to start ORT:
 * its start-up (registering kernels, about 450 ms of CPU here) is the same whatever the model.
 */
const WARM_UP_MODEL =
  "CAgSDGJhc3Rpb24tdGVzdDp7ChcKAXgKAVcKAWISBnNjb3JlcyIER2VtbRIGbGluZWFyKg8KAgEBEAEiBAAAgD9CAVcqDgoBARABIgQAAAAAQgFiWhgKAXgSEwoRCAESDQoHEgViYXRjaAoCCAFiHQoGc2NvcmVzEhMKEQgBEg0KBxIFYmF0Y2gKAggBQgQKABAN";

/**
 * Starts ORT's wasm runtime now, from the global scope, so that an isolate's first request pays
 * for its model (fetch, decrypt, session, run) and not for ORT's start-up. It is all compute, no
 * I/O, so workerd allows it at start-up, where it counts against the start-up CPU limit instead.
 * A failure here is not fatal: the first real session starts ORT again.
 */
export function startRuntime(): void {
  if (firstCreation) return;
  const model = Uint8Array.from(atob(WARM_UP_MODEL), (c) => c.charCodeAt(0));
  createInferenceSession(model, ["wasm"]).then(
    (session) => session.release(),
    () => {
      firstCreation = undefined;
    },
  );
}

/**
 * Creates an ORT session from model bytes held in memory. The first creation in an isolate also
 * starts ORT's wasm runtime; later ones wait for it rather than racing the temporary hook.
 */
export async function createInferenceSession(
  model: Uint8Array,
  executionProviders: ExecutionProvider[],
): Promise<ort.InferenceSession> {
  // Served models were optimised offline (models/optimise.ts): doing it again would only cost the
  // first request its time (Silero VAD: about 200 ms of the session's creation).
  const options: ort.InferenceSession.SessionOptions = { executionProviders, graphOptimizationLevel: "disabled" };
  if (firstCreation) {
    await firstCreation.catch(() => undefined);
    return ort.InferenceSession.create(model, options);
  }
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmBinary = PLACEHOLDER_WASM;
  ort.env.logLevel = "error";
  const creation = withPrecompiledWasm(() => ort.InferenceSession.create(model, options));
  firstCreation = creation;
  return creation;
}

async function withPrecompiledWasm<T>(run: () => Promise<T>): Promise<T> {
  const originalInstantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = (async (_bytes: unknown, imports?: WebAssembly.Imports) => ({
    module: ortWasmModule,
    instance: new WebAssembly.Instance(ortWasmModule, imports),
  })) as unknown as typeof WebAssembly.instantiate;
  try {
    return await run();
  } finally {
    WebAssembly.instantiate = originalInstantiate;
  }
}

export { ort };
