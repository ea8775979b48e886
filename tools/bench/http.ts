/** Requests to the local worker: OIP bodies (JSON and binary tensors), timed, and Server-Timing read back. */
import type { BenchTensor } from "../bench-cases";

export function oipJson(inputs: BenchTensor[]) {
  return JSON.stringify({
    inputs: inputs.map((t) => ({
      name: t.name,
      datatype: t.type === "int64" ? "INT64" : "FP32",
      shape: t.dims,
      data: Array.from(t.data, Number),
    })),
  });
}

export function oipBinary(inputs: BenchTensor[]): { body: Buffer; headerLength: number } {
  const header = JSON.stringify({
    inputs: inputs.map((t) => ({
      name: t.name,
      datatype: t.type === "int64" ? "INT64" : "FP32",
      shape: t.dims,
      parameters: { binary_data_size: t.data.byteLength },
    })),
    parameters: { binary_data_output: true },
  });
  const body = Buffer.concat([
    Buffer.from(header),
    ...inputs.map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)),
  ]);
  return { body, headerLength: Buffer.byteLength(header) };
}

/** Wall time of a request until its body is read; anything but a 200 is an error. */
export async function timed(run: () => Promise<Response>): Promise<{ ms: number; response: Response }> {
  const started = performance.now();
  const response = await run();
  const body = await response.arrayBuffer();
  if (response.status !== 200)
    throw new Error(`request failed: ${response.status} ${Buffer.from(body).toString().slice(0, 200)}`);
  return { ms: performance.now() - started, response };
}

export function serverTiming(header: string | null): Record<string, number> {
  const entries = (header ?? "").split(",").flatMap((part) => {
    const match = /^\s*([\w-]+);(?:desc="[^"]*";)?dur=([\d.]+)/.exec(part);
    return match ? [[match[1], Number(match[2])] as const] : [];
  });
  return Object.fromEntries(entries);
}
