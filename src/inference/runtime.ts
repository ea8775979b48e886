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
 * Creates an ORT session from model bytes held in memory. The first creation in an isolate also
 * starts ORT's wasm runtime; later ones wait for it rather than racing the temporary hook.
 */
export async function createInferenceSession(
  model: Uint8Array,
  executionProviders: ExecutionProvider[],
): Promise<ort.InferenceSession> {
  const options: ort.InferenceSession.SessionOptions = { executionProviders, graphOptimizationLevel: "all" };
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
