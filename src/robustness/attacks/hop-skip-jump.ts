/**
 * HopSkipJump (Chen, Jordan, Wainwright 2019, https://arxiv.org/abs/1904.02144), untargeted, as
 * ART implements it (art/attacks/evasion/hop_skip_jump.py, class HopSkipJump): decision-based, so
 * it asks for labels only. From a random input that is already misclassified it walks along the
 * decision boundary towards the original:
 *
 *   binary search to the boundary  ->  estimate the boundary's normal from `num_eval` random
 *   probes (Monte Carlo, labels only)  ->  geometric step-size search along it  ->  repeat.
 *
 * Parameters keep ART's names and defaults: `max_iter` 50, `max_eval` 10,000, `init_eval` 100,
 * `init_size` 100; `norm` 2 or inf. The binary search stops at ART's threshold `theta`:
 * 0.01 / sqrt(d) for L2 and 0.01 / d for L-inf (d the input size; the authors' original code
 * uses d^-3/2 and d^-2, ART chose these).
 */
import { clipInPlace, distance, l2 } from "../vectors";
import type { AttackTask, LabelOnly } from "./types";

export interface HopSkipJumpParams {
  max_iter: number;
  max_eval: number;
  init_eval: number;
  init_size: number;
}

export const HOP_SKIP_JUMP_DEFAULTS: HopSkipJumpParams = {
  max_iter: 50,
  max_eval: 10_000,
  init_eval: 100,
  init_size: 100,
};

/** ART's step-size loop halves until a step is adversarial; 2^-60 of a step is no step, so stop there. */
const MAX_HALVINGS = 60;

export function hopSkipJump(params: Partial<HopSkipJumpParams> = {}) {
  const { max_iter, max_eval, init_eval, init_size } = { ...HOP_SKIP_JUMP_DEFAULTS, ...params };

  return async ({ model, original, label, norm, random }: AttackTask<LabelOnly>): Promise<Float32Array> => {
    const d = original.length;
    const [clipMin, clipMax] = model.clip;
    const theta = norm === "2" ? 0.01 / Math.sqrt(d) : 0.01 / d;
    /** `_adversarial_satisfactory`: clipped (unless already), then labelled, then compared with the original's label. */
    const adversarial = async (batch: Float32Array[], clipped = false) =>
      (await model.labels(clipped ? batch : batch.map((x) => clipInPlace(x, model.clip)))).map((l) => l !== label);

    /** `_interpolate`: towards the original by `alpha` (L2: a blend; L-inf: a box of radius alpha). */
    const interpolate = (current: Float32Array, alpha: number, which: "2" | "inf") => {
      const out = new Float32Array(d);
      for (let i = 0; i < d; i++) {
        out[i] =
          which === "2"
            ? (1 - alpha) * original[i] + alpha * current[i]
            : Math.min(Math.max(current[i], original[i] - alpha), original[i] + alpha);
      }
      return out;
    };

    /** `_binary_search`: the boundary point between the original and an adversarial `current`. */
    const binarySearch = async (current: Float32Array, which: "2" | "inf", threshold?: number) => {
      let upper = which === "2" ? 1 : distance(original, current, "inf");
      let lower = 0;
      const stop = threshold ?? (which === "2" ? theta : Math.min(upper * theta, theta));
      while (upper - lower > stop) {
        const alpha = (upper + lower) / 2;
        const [satisfied] = await adversarial([interpolate(current, alpha, which)]);
        if (satisfied) upper = alpha;
        else lower = alpha;
      }
      return interpolate(current, upper, which);
    };

    /** `_init_sample`: uniform noise until one is misclassified, then pulled in towards the original (L2). */
    let current: Float32Array | undefined;
    for (let trial = 0; trial < init_size && !current; trial++) {
      const noise = new Float32Array(d);
      for (let i = 0; i < d; i++) noise[i] = random.uniform(clipMin, clipMax);
      if ((await adversarial([noise]))[0]) current = await binarySearch(noise, "2", 0.001);
    }
    if (!current) return original;

    for (let iteration = 0; iteration < max_iter; iteration++) {
      // `_compute_delta`: the probes' radius, from the distance still to cover.
      const delta =
        iteration === 0
          ? 0.1 * (clipMax - clipMin)
          : (norm === "2" ? Math.sqrt(d) : d) * theta * distance(original, current, norm);
      current = await binarySearch(current, norm);

      // `_compute_update`: the boundary's normal from `num_eval` labelled probes around `current`.
      const numEval = Math.min(Math.floor(init_eval * Math.sqrt(iteration + 1)), max_eval);
      const update = await estimateDirection(current, numEval, delta);

      // Geometric progression: halve the step until it lands on the adversarial side.
      const dist = distance(original, current, norm);
      let epsilon = (2 * dist) / Math.sqrt(iteration + 1);
      let next = current;
      for (let halving = 0; halving < MAX_HALVINGS; halving++) {
        epsilon /= 2;
        const potential = new Float32Array(d);
        for (let i = 0; i < d; i++) potential[i] = current[i] + epsilon * update[i];
        if ((await adversarial([potential]))[0]) {
          next = potential;
          break;
        }
      }
      current = clipInPlace(next, model.clip);
    }
    return current;

    async function estimateDirection(at: Float32Array, numEval: number, delta: number): Promise<Float32Array> {
      // The probes in one buffer, numEval x d, row by row.
      const probes = new Float32Array(numEval * d);
      const u = new Float64Array(d);
      for (let k = 0; k < numEval; k++) {
        if (norm === "2") for (let i = 0; i < d; i++) u[i] = random.normal();
        else for (let i = 0; i < d; i++) u[i] = random.uniform(-1, 1);
        const scale = delta / l2(u);
        for (let i = 0, j = k * d; i < d; i++, j++)
          probes[j] = Math.min(Math.max(at[i] + scale * u[i], clipMin), clipMax);
      }
      const rows = Array.from({ length: numEval }, (_, k) => probes.subarray(k * d, (k + 1) * d));
      const signs = (await adversarial(rows, true)).map((s) => (s ? 1 : -1));
      const meanSign = signs.reduce((a, b) => a + b, 0) / numEval;
      // All on one side: the mean direction (negated if none crossed); else baseline-corrected.
      const weights = Math.abs(meanSign) === 1 ? signs.map(() => meanSign) : signs.map((s) => s - meanSign);
      // Each probe's direction as actually taken once clipped, (probe - at) / delta, as ART recomputes it.
      const gradient = new Float64Array(d);
      for (let k = 0; k < numEval; k++) {
        const w = weights[k] / (numEval * delta);
        if (w === 0) continue;
        for (let i = 0, j = k * d; i < d; i++, j++) gradient[i] += w * (probes[j] - at[i]);
      }
      const length = norm === "2" ? l2(gradient) || 1 : 1;
      const update = new Float32Array(d);
      for (let i = 0; i < d; i++) update[i] = norm === "2" ? gradient[i] / length : Math.sign(gradient[i]);
      return update;
    }
  };
}
