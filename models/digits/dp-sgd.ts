/**
 * DP-SGD for the digits perceptron, as Opacus and TensorFlow Privacy run it (Abadi et al. 2016):
 * each step takes a Poisson sample of the training digits (each one in with probability
 * `sampleRate`, so the batch size varies), clips every example's gradient to L2 norm
 * `clippingNorm`, adds Gaussian noise N(0, (noiseMultiplier · clippingNorm)²) to their sum, and
 * divides by the expected batch size (sampleRate · N), as Opacus does; the optimiser then sees
 * only that noisy mean. The RDP accountant (src/privacy/dp/rdp.ts) turns
 * (sampleRate, noiseMultiplier, steps) into (ε, δ).
 *
 * The network is mlp.ts's 784-64-10 (ReLU, softmax), initialised as tfjs does (Glorot-uniform
 * kernels, zero biases) from mulberry32 draws, and computed here on plain typed arrays: a
 * two-layer perceptron's per-example gradients are outer products (input ⊗ hidden delta, hidden ⊗
 * output delta), so each example's norm is a product of two vector norms and nothing per example
 * is ever materialised. MNIST digits are mostly black,
 * so the first layer runs over each digit's lit pixels only.
 *
 * Every draw comes from seeded mulberry32 streams, so the recipe reproduces its bytes. That is a
 * knowing trade: whoever knows the seed (it is in the manifest) can recompute the sample and the
 * noise, and against them the (ε, δ) does not hold. A real private run draws both from a secret
 * source (crypto.getRandomValues) and publishes its weights, not a way to rebuild them.
 */
import { CLASSES as IMPORTED_CLASSES, PIXELS as IMPORTED_PIXELS, type Samples } from "./dataset";
import { HIDDEN as IMPORTED_HIDDEN, type TrainedMlp } from "./mlp";
import { mulberry32 } from "./random";

// Module-local copies: once transpiled (tsx, vitest), every read of an imported binding goes
// through a getter, which the inner loops below would pay a hundred million times.
const PIXELS = IMPORTED_PIXELS;
const HIDDEN = IMPORTED_HIDDEN;
const CLASSES = IMPORTED_CLASSES;

export interface DpSgdSettings {
  /** Each training example's probability of being in a step. */
  sampleRate: number;
  /** Noise standard deviation over the clipping norm. */
  noiseMultiplier: number;
  /** Every example's gradient is scaled down to at most this L2 norm. */
  clippingNorm: number;
  steps: number;
  learningRate: number;
  /** Heavy-ball momentum: a post-processing of the noisy gradients, free in privacy terms. */
  momentum: number;
}

/** The parameters, flat: [hidden kernel (784x64), hidden bias, output kernel (64x10), output bias]. */
const SHAPES = {
  hiddenKernel: PIXELS * HIDDEN,
  hiddenBias: HIDDEN,
  outputKernel: HIDDEN * CLASSES,
  outputBias: CLASSES,
};
const OFFSETS = {
  hiddenKernel: 0,
  hiddenBias: SHAPES.hiddenKernel,
  outputKernel: SHAPES.hiddenKernel + SHAPES.hiddenBias,
  outputBias: SHAPES.hiddenKernel + SHAPES.hiddenBias + SHAPES.outputKernel,
};
const PARAMETERS = OFFSETS.outputBias + SHAPES.outputBias;

export function trainDpMlp(train: Samples, evaluateOn: Samples, seed: number, settings: DpSgdSettings): TrainedMlp {
  const weights = initialWeights(seed);
  const velocity = new Float64Array(PARAMETERS);
  const gradient = new Float64Array(PARAMETERS);
  const lit = litPixels(train);
  const sampling = mulberry32(seed + 3);
  const noise = gaussian(mulberry32(seed + 4));
  const expectedBatch = settings.sampleRate * train.count;
  const pass = new Pass();
  for (let step = 0; step < settings.steps; step++) {
    gradient.fill(0);
    for (let row = 0; row < train.count; row++)
      if (sampling() < settings.sampleRate)
        pass.addClippedGradient(weights, lit[row], train.labels[row], gradient, settings.clippingNorm);
    const deviation = settings.noiseMultiplier * settings.clippingNorm;
    for (let p = 0; p < PARAMETERS; p++) {
      velocity[p] = settings.momentum * velocity[p] + (gradient[p] + deviation * noise()) / expectedBatch;
      weights[p] -= settings.learningRate * velocity[p];
    }
  }
  // The export stores float32: the trainer's own evaluation is of exactly those weights.
  const stored = Float32Array.from(weights);
  return {
    hidden: {
      kernel: stored.slice(0, OFFSETS.hiddenBias),
      bias: stored.slice(OFFSETS.hiddenBias, OFFSETS.outputKernel),
      inputs: PIXELS,
      outputs: HIDDEN,
    },
    output: {
      kernel: stored.slice(OFFSETS.outputKernel, OFFSETS.outputBias),
      bias: stored.slice(OFFSETS.outputBias),
      inputs: HIDDEN,
      outputs: CLASSES,
    },
    probabilities: predict(Float64Array.from(stored), evaluateOn),
  };
}

/** One digit's non-zero pixels: their indices and grey levels, and the squared norm of the row. */
interface LitPixels {
  index: Int32Array;
  level: Float64Array;
  squaredNorm: number;
}

function litPixels(samples: Samples): LitPixels[] {
  return Array.from({ length: samples.count }, (_, row) => {
    const x = samples.x.subarray(row * PIXELS, (row + 1) * PIXELS);
    const lit: number[] = [];
    for (let p = 0; p < PIXELS; p++) if (x[p] !== 0) lit.push(p);
    const level = Float64Array.from(lit, (p) => x[p]);
    return { index: Int32Array.from(lit), level, squaredNorm: squaredNorm(level) };
  });
}

/** Forward and backward through the perceptron for one digit, in buffers reused across digits. */
class Pass {
  readonly preActivation = new Float64Array(HIDDEN);
  readonly hidden = new Float64Array(HIDDEN);
  readonly probabilities = new Float64Array(CLASSES);
  private readonly outputDelta = new Float64Array(CLASSES);
  private readonly hiddenDelta = new Float64Array(HIDDEN);

  forward(weights: Float64Array, pixels: LitPixels) {
    const { preActivation, hidden, probabilities } = this;
    preActivation.set(weights.subarray(OFFSETS.hiddenBias, OFFSETS.outputKernel));
    for (let k = 0; k < pixels.index.length; k++) {
      const level = pixels.level[k];
      const from = pixels.index[k] * HIDDEN;
      for (let j = 0; j < HIDDEN; j++) preActivation[j] += level * weights[from + j];
    }
    for (let j = 0; j < HIDDEN; j++) hidden[j] = Math.max(0, preActivation[j]);
    probabilities.set(weights.subarray(OFFSETS.outputBias));
    for (let j = 0; j < HIDDEN; j++)
      for (let c = 0; c < CLASSES; c++) probabilities[c] += hidden[j] * weights[OFFSETS.outputKernel + j * CLASSES + c];
    softmaxInPlace(probabilities);
  }

  /** Adds this digit's cross-entropy gradient, scaled to L2 norm at most `clippingNorm`, to `sum`. */
  addClippedGradient(weights: Float64Array, pixels: LitPixels, label: number, sum: Float64Array, clippingNorm: number) {
    this.forward(weights, pixels);
    const { preActivation, hidden, probabilities, outputDelta, hiddenDelta } = this;
    for (let c = 0; c < CLASSES; c++) outputDelta[c] = probabilities[c] - (c === label ? 1 : 0);
    for (let j = 0; j < HIDDEN; j++) {
      let back = 0;
      for (let c = 0; c < CLASSES; c++) back += weights[OFFSETS.outputKernel + j * CLASSES + c] * outputDelta[c];
      hiddenDelta[j] = preActivation[j] > 0 ? back : 0;
    }
    // |a ⊗ b|² = |a|²|b|²; each bias gradient is its layer's delta, hence the + 1.
    const hiddenNorm = squaredNorm(hidden);
    const squared = (pixels.squaredNorm + 1) * squaredNorm(hiddenDelta) + (hiddenNorm + 1) * squaredNorm(outputDelta);
    const scale = Math.min(1, clippingNorm / Math.sqrt(squared));
    for (let k = 0; k < pixels.index.length; k++) {
      const level = scale * pixels.level[k];
      const from = pixels.index[k] * HIDDEN;
      for (let j = 0; j < HIDDEN; j++) sum[from + j] += level * hiddenDelta[j];
    }
    for (let j = 0; j < HIDDEN; j++) {
      sum[OFFSETS.hiddenBias + j] += scale * hiddenDelta[j];
      for (let c = 0; c < CLASSES; c++)
        sum[OFFSETS.outputKernel + j * CLASSES + c] += scale * hidden[j] * outputDelta[c];
    }
    for (let c = 0; c < CLASSES; c++) sum[OFFSETS.outputBias + c] += scale * outputDelta[c];
  }
}

/** The probabilities of each class for every digit of `samples`, row after row, as float32. */
function predict(weights: Float64Array, samples: Samples): Float32Array {
  const pass = new Pass();
  const lit = litPixels(samples);
  const probabilities = new Float32Array(samples.count * CLASSES);
  for (let row = 0; row < samples.count; row++) {
    pass.forward(weights, lit[row]);
    probabilities.set(pass.probabilities, row * CLASSES);
  }
  return probabilities;
}

/** Glorot-uniform kernels (limit √(6 / (fan in + fan out))), zero biases, as tfjs's dense layers. */
function initialWeights(seed: number): Float64Array {
  const weights = new Float64Array(PARAMETERS);
  const glorot = (offset: number, inputs: number, outputs: number, next: () => number) => {
    const limit = Math.sqrt(6 / (inputs + outputs));
    for (let i = 0; i < inputs * outputs; i++) weights[offset + i] = (2 * next() - 1) * limit;
  };
  glorot(OFFSETS.hiddenKernel, PIXELS, HIDDEN, mulberry32(seed));
  glorot(OFFSETS.outputKernel, HIDDEN, CLASSES, mulberry32(seed + 1));
  return weights;
}

/**
 * Standard normal draws (Box-Muller), each uniform made of two 32-bit mulberry32 outputs so the
 * tails are not cut off at the 6.7σ one output would allow.
 */
function gaussian(next: () => number): () => number {
  const uniform = () => next() + next() / 2 ** 32;
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

function softmaxInPlace(values: Float64Array) {
  const max = Math.max(...values);
  let total = 0;
  for (let c = 0; c < values.length; c++) {
    values[c] = Math.exp(values[c] - max);
    total += values[c];
  }
  for (let c = 0; c < values.length; c++) values[c] /= total;
}

function squaredNorm(values: Float64Array): number {
  let total = 0;
  for (const v of values) total += v * v;
  return total;
}
