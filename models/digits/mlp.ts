/**
 * The network and its training, with @tensorflow/tfjs on its pure-JavaScript CPU backend: a
 * 784-64-10 perceptron (ReLU, then softmax), Adam, cross-entropy. Everything random is seeded: the
 * initial weights (Glorot, seeded), the order of the batches (shuffled here, `shuffle: false` in
 * fit), and no dropout; the CPU backend computes in a fixed order, so the same seed gives the same
 * weights, bit for bit, on the same Node and tfjs.
 */
import * as tf from "@tensorflow/tfjs";
import { CLASSES, PIXELS, type Samples, select } from "./dataset";
import { mulberry32, permutation } from "./random";

export const HIDDEN = 64;
// Chosen for time as much as accuracy: tfjs's JavaScript kernels make a batch of 128 far cheaper
// per digit than 32, and five epochs of it reach about 93% in under a minute.
const EPOCHS = 5;
const BATCH = 128;
const LEARNING_RATE = 0.005;

/** A dense layer's weights as ONNX's Gemm takes them: `y = x · kernel + bias`. */
export interface DenseWeights {
  kernel: Float32Array;
  bias: Float32Array;
  inputs: number;
  outputs: number;
}

export interface TrainedMlp {
  hidden: DenseWeights;
  output: DenseWeights;
  /** The trainer's own probabilities for `evaluateOn`, row by row: what the export must reproduce. */
  probabilities: Float32Array;
}

export async function trainMlp(train: Samples, evaluateOn: Samples, seed: number): Promise<TrainedMlp> {
  // Node would otherwise take whatever backend registered first; the CPU one is plain, ordered JS.
  await tf.setBackend("cpu");
  // Quiet: the advice to install tfjs-node (native kernels, whose bits this recipe does not pin).
  tf.enableProdMode();
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [PIXELS],
        units: HIDDEN,
        activation: "relu",
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
      }),
      tf.layers.dense({
        units: CLASSES,
        activation: "softmax",
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
      }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(LEARNING_RATE), loss: "categoricalCrossentropy" });
  const batchOrder = mulberry32(seed + 2);
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    const { x, labels } = select(train, permutation(train.count, batchOrder));
    const xs = tf.tensor2d(x, [train.count, PIXELS]);
    const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(labels), "int32"), CLASSES));
    await model.fit(xs, ys, { batchSize: BATCH, epochs: 1, shuffle: false, verbose: 0 });
    tf.dispose([xs, ys]);
  }
  const [hidden, output] = model.layers.map((layer) => denseWeights(layer.getWeights()));
  const probabilities = tf.tidy(
    () => model.predict(tf.tensor2d(evaluateOn.x, [evaluateOn.count, PIXELS])) as tf.Tensor,
  );
  const result = { hidden, output, probabilities: probabilities.dataSync() as Float32Array };
  tf.dispose(probabilities);
  model.dispose();
  return result;
}

function denseWeights([kernel, bias]: tf.Tensor[]): DenseWeights {
  const [inputs, outputs] = kernel.shape;
  return { kernel: kernel.dataSync() as Float32Array, bias: bias.dataSync() as Float32Array, inputs, outputs };
}
