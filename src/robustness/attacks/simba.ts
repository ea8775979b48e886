/**
 * SimBA, the Simple Black-box Attack (Guo et al. 2019, https://arxiv.org/abs/1905.07121),
 * untargeted, as ART implements it (art/attacks/evasion/simba.py, class SimBA): score-based. It
 * takes one direction q at a time from an orthonormal basis (single pixels, `px`, or 2-D DCT
 * frequencies, `dct`), tries x - epsilon q and x + epsilon q, and keeps a step that lowers the
 * probability of the original class, until the label changes or `max_iter` directions are spent.
 *
 * Parameters keep ART's names and defaults: `attack` "dct", `max_iter` 3000, `epsilon` 0.1,
 * `order` "random" (px only; or "diag"), `freq_dim` 4 and `stride` 1 (dct). Two differences, on
 * purpose: ART queries both sides every iteration, we query + only when - did not help (the
 * paper's Algorithm 1: fewer queries, the same walk); and ART refuses a model that outputs
 * logits, we turn them into probabilities with softmax. A 1-D input (audio) works too: its DCT
 * basis is the 1-D one.
 */
import { clipInPlace, probabilities } from "../vectors";
import { blockOrder, dctBasis, diagonalOrder } from "./bases";
import { type AttackTask, type Classifier, labelFor } from "./types";

export interface SimbaParams {
  attack: "px" | "dct";
  max_iter: number;
  epsilon: number;
  order: "random" | "diag";
  freq_dim: number;
  stride: number;
}

export const SIMBA_DEFAULTS: SimbaParams = {
  attack: "dct",
  max_iter: 3000,
  epsilon: 0.1,
  order: "random",
  freq_dim: 4,
  stride: 1,
};

export function simba(params: Partial<SimbaParams> = {}) {
  const { attack, max_iter, epsilon, order, freq_dim, stride } = { ...SIMBA_DEFAULTS, ...params };

  return async ({ model, original, label, scores, layout, random }: AttackTask<Classifier>): Promise<Float32Array> => {
    const size = original.length;
    const basis = attack === "dct" ? dctBasis(layout) : undefined;
    const nextOrder = () =>
      attack === "dct"
        ? blockOrder(layout, freq_dim, stride, random)
        : order === "diag"
          ? diagonalOrder(layout)
          : random.permutation(size);
    /** x + sign * epsilon * q_index, clipped. */
    const step = (x: Float32Array, index: number, sign: number) => {
      const out = x.slice();
      if (basis) {
        const q = basis(index);
        for (let i = 0; i < size; i++) out[i] += sign * epsilon * q[i];
      } else out[index] += sign * epsilon;
      return clipInPlace(out, model.clip);
    };

    let current = original;
    let lastProbability = probabilities(scores)[label];
    let indices = nextOrder();
    for (let iteration = 0; iteration < max_iter; iteration++) {
      // ART cycles through fresh orders when max_iter exceeds the number of directions.
      const position = iteration % indices.length;
      if (position === 0 && iteration > 0) indices = nextOrder();
      for (const sign of [-1, 1]) {
        const candidate = step(current, indices[position], sign);
        const [candidateScores] = await model.predict([candidate]);
        const probability = probabilities(candidateScores)[label];
        if (probability < lastProbability) {
          current = candidate;
          lastProbability = probability;
          if (labelFor(model, candidateScores) !== label) return current;
          break;
        }
      }
    }
    return current;
  };
}
