/**
 * A local ONNX classifier as an attack target, run with onnxruntime-node (Node only): one float
 * input tensor whose first dimension is the batch, scores out of the first output, `[batch,
 * classes]`. Model developers attack a model this way before it is ever deployed.
 */
import * as ort from "onnxruntime-node";
import { type Classifier, layoutOf } from "../attacks/types";

export interface OnnxTargetOptions {
  clip: readonly [number, number];
  /**
   * One input's shape: the model's own when it leaves dimensions symbolic; otherwise a view of the
   * same size for the attacks' layout (e.g. [1, 28, 28] for a flat [784]).
   */
  shape?: readonly number[];
}

export interface OnnxTarget extends Classifier {
  /** Inputs one `session.run` takes at most (1 when the model's batch dimension is fixed at 1). */
  readonly maxBatch: number;
  close(): Promise<void>;
}

/** Batches of this many inputs keep memory small and are already fast. */
const DEFAULT_MAX_BATCH = 256;

export async function onnxTarget(model: string | Uint8Array, options: OnnxTargetOptions): Promise<OnnxTarget> {
  // One thread: deterministic sums, and the other core stays free.
  const sessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: "sequential" } as const;
  const session =
    typeof model === "string"
      ? await ort.InferenceSession.create(model, sessionOptions)
      : await ort.InferenceSession.create(model, sessionOptions);
  const [inputName] = session.inputNames;
  const [outputName] = session.outputNames;
  const metadata = session.inputMetadata[0];
  const declared = metadata?.isTensor ? metadata.shape : [];
  const batchDimension = declared[0];
  const maxBatch = typeof batchDimension === "number" && batchDimension > 0 ? batchDimension : DEFAULT_MAX_BATCH;
  const rest = declared.slice(1);
  const known = rest.every((d) => typeof d === "number" && d > 0);
  const inputShape = known ? (rest as number[]) : options.shape;
  if (!inputShape) {
    throw new Error(`the model's input ${inputName} has shape [${declared.join(", ")}]: give one input's shape`);
  }
  const size = inputShape.reduce((a, b) => a * b, 1);
  if (options.shape && options.shape.reduce((a, b) => a * b, 1) !== size) {
    throw new Error(
      `a shape of [${options.shape.join(", ")}] does not fit the model's input [${inputShape.join(", ")}]`,
    );
  }

  const run = async (batch: Float32Array[]): Promise<Float32Array[]> => {
    const data = new Float32Array(batch.length * size);
    batch.forEach((x, i) => {
      if (x.length !== size) throw new Error(`an input has ${x.length} elements; the model takes ${size}`);
      data.set(x, i * size);
    });
    const outputs = await session.run({ [inputName]: new ort.Tensor("float32", data, [batch.length, ...inputShape]) });
    const scores = outputs[outputName];
    const classes = scores.data.length / batch.length;
    return batch.map((_, i) =>
      Float32Array.from((scores.data as Float32Array).subarray(i * classes, (i + 1) * classes)),
    );
  };

  const probe = await run([new Float32Array(size).fill(options.clip[0])]);
  return {
    inputShape,
    clip: options.clip,
    layout: options.shape ? layoutOf(options.shape) : undefined,
    nbClasses: probe[0].length,
    maxBatch,
    async predict(batch) {
      const scores: Float32Array[] = [];
      for (let start = 0; start < batch.length; start += maxBatch) {
        scores.push(...(await run(batch.slice(start, start + maxBatch))));
      }
      return scores;
    },
    close: () => session.release(),
  };
}
