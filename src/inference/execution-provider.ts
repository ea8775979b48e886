/**
 * Which ORT execution providers a session asks for. WebGPU where the runtime exposes
 * `navigator.gpu` (browsers, and any future workerd that implements it), WASM everywhere else.
 */
import { ModelUnavailable } from "../errors";

export type ExecutionProvider = "webgpu" | "wasm";
export type ExecutionPreference = "auto" | ExecutionProvider;

/** What the isolate offers. */
export interface RuntimeCapabilities {
  hasWebGpu: boolean;
}

export function detectCapabilities(
  scope: { navigator?: unknown } = globalThis as { navigator?: unknown },
): RuntimeCapabilities {
  const gpu = (scope.navigator as { gpu?: unknown } | undefined)?.gpu;
  return { hasWebGpu: gpu !== undefined && gpu !== null };
}

/** Reads the `EXECUTION_PROVIDER` setting; anything unrecognised means `auto`. */
export function parsePreference(setting: string | undefined): ExecutionPreference {
  return setting === "wasm" || setting === "webgpu" ? setting : "auto";
}

/**
 * Most preferred first. `auto` takes WebGPU when present and keeps WASM as ORT's fallback;
 * `wasm` never touches a GPU; `webgpu` insists, and a runtime without one cannot serve.
 */
export function selectExecutionProviders(
  preference: ExecutionPreference,
  capabilities: RuntimeCapabilities,
): ExecutionProvider[] {
  if (preference === "wasm") return ["wasm"];
  if (preference === "webgpu") {
    if (!capabilities.hasWebGpu)
      throw new ModelUnavailable("EXECUTION_PROVIDER is webgpu but this runtime has no WebGPU");
    return ["webgpu"];
  }
  return capabilities.hasWebGpu ? ["webgpu", "wasm"] : ["wasm"];
}
