import { describe, expect, it } from "vitest";
import { detectCapabilities, parsePreference, selectExecutionProviders } from "./execution-provider";

describe("execution provider selection", () => {
  it("detects WebGPU by navigator.gpu", () => {
    expect(detectCapabilities({ navigator: { gpu: {} } })).toEqual({ hasWebGpu: true });
    expect(detectCapabilities({ navigator: { userAgent: "Cloudflare-Workers" } })).toEqual({ hasWebGpu: false });
    expect(detectCapabilities({})).toEqual({ hasWebGpu: false });
  });

  it("auto takes WebGPU when present, with WASM as the fallback, else WASM", () => {
    expect(selectExecutionProviders("auto", { hasWebGpu: true })).toEqual(["webgpu", "wasm"]);
    expect(selectExecutionProviders("auto", { hasWebGpu: false })).toEqual(["wasm"]);
  });

  it("wasm never uses the GPU; webgpu insists on one", () => {
    expect(selectExecutionProviders("wasm", { hasWebGpu: true })).toEqual(["wasm"]);
    expect(selectExecutionProviders("webgpu", { hasWebGpu: true })).toEqual(["webgpu"]);
    expect(() => selectExecutionProviders("webgpu", { hasWebGpu: false })).toThrow(/no WebGPU/);
  });

  it("reads the setting, defaulting to auto", () => {
    expect(parsePreference("wasm")).toBe("wasm");
    expect(parsePreference("webgpu")).toBe("webgpu");
    expect(parsePreference(undefined)).toBe("auto");
    expect(parsePreference("cuda")).toBe("auto");
  });
});
