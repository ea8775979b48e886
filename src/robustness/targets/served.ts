/**
 * How a function served over OIP becomes a classifier: which tensor the attack perturbs, what
 * else a request needs, and which output holds the scores. A model with one FP32 input
 * `[batch, ...]` and a `[batch, classes]` output needs nothing more than its metadata; `vad`
 * needs its recurrent state and sample rate beside the audio, and gives one probability.
 */
import type { InferRequest, InferResponse, ModelMetadata } from "../../client";
import type { Layout } from "../attacks/types";

export interface ServedModel {
  inputShape: number[];
  /** The input range the function's model expects, unless the caller says otherwise. */
  clip?: readonly [number, number];
  /** Inputs per request at most (the model's `batch` dimension bound). */
  maxBatch: number;
  layout?: Layout;
  request(batch: Float32Array[]): InferRequest;
  scores(response: InferResponse, count: number): Float32Array[];
}

/** What the deployed functions need beyond their metadata (their manifests' batch bounds and input ranges). */
const KNOWN: Record<string, Partial<ServedModel> & { build?: (batch: Float32Array[]) => InferRequest }> = {
  digits: { clip: [0, 1], maxBatch: 64 },
  // 16 inputs of 3x48x192 FP32 are 1.8 MB: 32 would pass the function's 2 MB body limit (413).
  "text-orientation": { clip: [-1, 1], maxBatch: 16 },
  vad: {
    clip: [-1, 1],
    // A frame and its state are 3 KB: 16 (48 KB) fit the function's 64 KB body limit, 64 would not.
    maxBatch: 16,
    inputShape: [512],
    layout: { channels: 1, height: 1, width: 512 },
    // Each frame is the first of its stream: zero state, 16 kHz.
    build: (batch) => ({
      inputs: [
        { name: "input", datatype: "FP32", shape: [batch.length, 512], data: concat(batch) },
        { name: "state", datatype: "FP32", shape: [2, batch.length, 128], data: new Float32Array(256 * batch.length) },
        { name: "sr", datatype: "INT64", shape: [], data: [16000n] },
      ],
      outputs: [{ name: "output" }],
    }),
    // One speech probability p per frame: two classes, silence (1 - p) and speech (p).
    scores: (response) => Array.from(response.outputs[0].data as Float32Array, (p) => Float32Array.of(1 - p, p)),
  },
};

const DEFAULT_MAX_BATCH = 32;

export function servedModel(metadata: ModelMetadata, maxBatch?: number): ServedModel {
  const known = KNOWN[metadata.name] ?? {};
  const [input] = metadata.inputs;
  const [output] = metadata.outputs;
  if (!known.build && (metadata.inputs.length !== 1 || input.datatype !== "FP32" || output?.datatype !== "FP32")) {
    throw new Error(
      `${metadata.name} takes ${metadata.inputs.map((i) => `${i.name} ${i.datatype}`).join(", ")}: ` +
        "only functions with one FP32 input and FP32 scores can be attacked (and vad)",
    );
  }
  const inputShape = known.inputShape ?? input.shape.slice(1);
  if (inputShape.some((d) => d < 0)) throw new Error(`${metadata.name}'s input ${input.name} has variable dimensions`);
  const build =
    known.build ??
    ((batch: Float32Array[]): InferRequest => ({
      inputs: [{ name: input.name, datatype: "FP32", shape: [batch.length, ...inputShape], data: concat(batch) }],
      outputs: [{ name: output.name }],
    }));
  return {
    inputShape,
    clip: known.clip,
    maxBatch: maxBatch ?? known.maxBatch ?? DEFAULT_MAX_BATCH,
    layout: known.layout,
    request: build,
    scores:
      known.scores ??
      ((response, count) => {
        const data = response.outputs[0].data as Float32Array;
        const classes = data.length / count;
        return Array.from({ length: count }, (_, i) => data.slice(i * classes, (i + 1) * classes));
      }),
  };
}

function concat(batch: Float32Array[]): Float32Array<ArrayBuffer> {
  const size = batch[0]?.length ?? 0;
  const out = new Float32Array(batch.length * size);
  for (let i = 0; i < batch.length; i++) out.set(batch[i], i * size);
  return out;
}
