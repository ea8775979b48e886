/**
 * The benchmark's inputs, made the same way in Node (for onnxruntime-node) and in workerd (for
 * the bench worker): VAD on one 32 ms frame, the direction classifier on one 48x192 line, and the
 * detector on a 320x320 page.
 */
export interface BenchTensor {
  name: string;
  type: "float32" | "int64";
  dims: number[];
  data: Float32Array | BigInt64Array;
}

export interface BenchCase {
  model: string;
  fn: string;
  label: string;
  inputs: () => BenchTensor[];
}

function pseudoRandom(length: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
}

export const BENCH_CASES: BenchCase[] = [
  {
    model: "silero-vad",
    fn: "vad",
    label: "1x512 frame",
    inputs: () => [
      { name: "input", type: "float32", dims: [1, 512], data: pseudoRandom(512, 1).map((x) => x * 0.3) },
      { name: "state", type: "float32", dims: [2, 1, 128], data: new Float32Array(256) },
      { name: "sr", type: "int64", dims: [], data: BigInt64Array.from([16000n]) },
    ],
  },
  {
    model: "ppocr-cls",
    fn: "text-orientation",
    label: "1x3x48x192",
    inputs: () => [{ name: "x", type: "float32", dims: [1, 3, 48, 192], data: pseudoRandom(3 * 48 * 192, 2) }],
  },
  {
    model: "ppocr-det",
    fn: "text-detect",
    label: "1x3x320x320",
    inputs: () => [{ name: "x", type: "float32", dims: [1, 3, 320, 320], data: pseudoRandom(3 * 320 * 320, 3) }],
  },
];
