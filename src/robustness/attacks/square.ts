/**
 * Square Attack (Andriushchenko et al. 2020, https://arxiv.org/abs/1912.00049), L-inf,
 * untargeted, as ART implements it (art/attacks/evasion/square_attack.py, class SquareAttack):
 * score-based random search. It starts from vertical stripes of +-eps, then each step redraws the
 * sign of one random square window (per channel), keeps the change if the margin loss went down,
 * and stops as soon as the input is misclassified. The window shrinks on ART's `p_init` schedule.
 *
 * Parameters keep ART's names and defaults: `eps` 0.3, `max_iter` 100, `p_init` 0.8,
 * `nb_restarts` 1. The loss is ART's default margin: the original label's score minus the best
 * other score. One difference, on purpose: ART predicts the current input again at every step to
 * get its loss; we keep the current loss, so each step costs one query, not two.
 *
 * Inputs laid out 1-D (audio: height 1) get a segment of p * width samples instead of a square.
 */
import { clipInPlace } from "../vectors";
import { type AttackTask, type Classifier, labelFor } from "./types";

export interface SquareParams {
  eps: number;
  max_iter: number;
  p_init: number;
  nb_restarts: number;
}

export const SQUARE_DEFAULTS: SquareParams = { eps: 0.3, max_iter: 100, p_init: 0.8, nb_restarts: 1 };

/** ART's `_get_percentage_of_elements`: the fraction of the image a window covers at `iteration`. */
export function windowFraction(iteration: number, maxIter: number, pInit: number): number {
  const progress = iteration / maxIter;
  const intervals = [0.001, 0.005, 0.02, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8];
  // bisect_left: the first interval at or above the progress.
  const index = intervals.findIndex((bound) => bound >= progress);
  return pInit / 2 ** (index === -1 ? intervals.length : index);
}

export function square(params: Partial<SquareParams> = {}) {
  const { eps, max_iter, p_init, nb_restarts } = { ...SQUARE_DEFAULTS, ...params };

  return async ({ model, original, label, scores, layout, random }: AttackTask<Classifier>): Promise<Float32Array> => {
    const { channels, height, width } = layout;
    const plane = height * width;
    const margin = (s: Float32Array) => {
      let other = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < s.length; j++) if (j !== label) other = Math.max(other, s[j]);
      return s[label] - other;
    };
    /** Within eps of the original and the valid range. */
    const project = (value: number, i: number) =>
      Math.min(Math.max(value, original[i] - eps), original[i] + eps, model.clip[1]);

    let current = original;
    for (let restart = 0; restart < nb_restarts; restart++) {
      // Vertical stripes: one sign per channel and column.
      const stripes = original.slice();
      for (let c = 0; c < channels; c++) {
        for (let w = 0; w < width; w++) {
          const step = eps * random.sign();
          for (let h = 0; h < height; h++) stripes[c * plane + h * width + w] += step;
        }
      }
      clipInPlace(stripes, model.clip);
      const [stripeScores] = await model.predict([stripes]);
      if (labelFor(model, stripeScores) !== label) return stripes;
      current = original;
      let currentLoss = margin(scores);
      if (margin(stripeScores) < currentLoss) {
        current = stripes;
        currentLoss = margin(stripeScores);
      }

      for (let iteration = 0; iteration < max_iter; iteration++) {
        const p = windowFraction(iteration, max_iter, p_init);
        const [rows, columns] =
          height === 1
            ? [1, Math.min(width, Math.max(1, Math.round(p * width)))]
            : Array(2).fill(Math.min(height, width, Math.max(1, Math.round(Math.sqrt(p * plane)))));
        const top = random.int(0, height - rows + 1);
        const left = random.int(0, width - columns + 1);
        const candidate = current.slice();
        let changed = false;
        for (let c = 0; c < channels; c++) {
          // ART adds +-2 eps and projects back: the window ends at +-eps around the original.
          const step = 2 * eps * random.sign();
          for (let h = top; h < top + rows; h++) {
            for (let w = left; w < left + columns; w++) {
              const i = c * plane + h * width + w;
              candidate[i] = Math.max(project(current[i] + step, i), model.clip[0]);
              changed ||= candidate[i] !== current[i];
            }
          }
        }
        if (!changed) continue; // the same input again: no query spent on it
        const [candidateScores] = await model.predict([candidate]);
        if (labelFor(model, candidateScores) !== label) return candidate;
        const loss = margin(candidateScores);
        if (loss < currentLoss) {
          current = candidate;
          currentLoss = loss;
        }
      }
    }
    return current;
  };
}
