/**
 * A run: one attack against every example, each through its own example view (queries, budget,
 * the closest adversarial input found) and its own seeded generator, several examples at a time
 * so a batching target can merge their queries into one request.
 *
 * Each example is first classified once (one query). An example the model already gets wrong
 * is not attacked: it counts against robust accuracy, not towards the attack's success.
 */
import { type AttackName, type AttackSettings, type ConfiguredAttack, configureAttack } from "./attacks";
import { ExampleView } from "./attacks/queries";
import { type Classifier, layoutOf, QueryBudgetExhausted } from "./attacks/types";
import { exampleSeed, Random } from "./random";
import { difference, distance, l2, linf, type Norm } from "./vectors";

export interface Example {
  data: Float32Array;
  /** The true label; without one, the model's own prediction stands in for it. */
  label?: number;
}

export interface ExampleResult {
  index: number;
  label: number;
  /** The clean input's predicted label. */
  prediction: number;
  adversarialLabel: number;
  /** Attacked at all (the clean prediction was right). */
  attacked: boolean;
  /** The label changed, within `eps` when the run has one. */
  success: boolean;
  queries: number;
  /** Norms of the perturbation (0 when nothing adversarial was found). */
  l2: number;
  linf: number;
  /** ||perturbation|| / ||original|| in the run's norm, for ART's empirical robustness. */
  relative: number;
}

export interface RunOptions extends AttackSettings {
  attack: AttackName;
  seed: number;
  /** Examples attacked at the same time (their queries can share requests). Default 8. */
  concurrency?: number;
  onProgress?: (progress: Progress) => void;
}

export interface Progress {
  done: number;
  total: number;
  result: ExampleResult;
}

export interface Run {
  attack: ConfiguredAttack;
  norm: Norm;
  seed: number;
  results: ExampleResult[];
  /** Each example's final input (the closest adversarial one found, else the original). */
  adversarial: Float32Array[];
  originals: Float32Array[];
  durationMs: number;
}

export async function runAttack(target: Classifier, examples: Example[], options: RunOptions): Promise<Run> {
  const configured = configureAttack(options.attack, options);
  const layout = target.layout ?? layoutOf(target.inputShape);
  const started = Date.now();
  const results: ExampleResult[] = new Array(examples.length);
  const adversarial: Float32Array[] = new Array(examples.length);
  let next = 0;
  let done = 0;

  const attackOne = async (index: number) => {
    const { data: original, label: trueLabel } = examples[index];
    const view = new ExampleView(target, original, options.norm, options.queries);
    const [scores] = await view.predict([original]);
    const prediction = view.labelOf(scores);
    view.originalLabel = prediction;
    const label = trueLabel ?? prediction;
    const attacked = prediction === label;
    if (attacked) {
      const random = new Random(exampleSeed(options.seed, index));
      const task = { model: view, original, label: prediction, scores, layout, norm: options.norm, random };
      try {
        await configured.attack(task);
      } catch (error) {
        if (!(error instanceof QueryBudgetExhausted)) throw error;
      }
    }
    const found = attacked ? view.best : undefined;
    const perturbation = found ? difference(found.input, original) : new Float64Array(0);
    const d = found ? distance(found.input, original, options.norm) : 0;
    results[index] = {
      index,
      label,
      prediction,
      adversarialLabel: found ? found.label : prediction,
      attacked,
      success: found !== undefined && (configured.eps === undefined || d <= configured.eps * (1 + 1e-5)),
      queries: view.queries,
      l2: l2(perturbation),
      linf: linf(perturbation),
      relative: found ? d / (options.norm === "2" ? l2(original) : linf(original)) : 0,
    };
    adversarial[index] = found ? found.input : original;
    done++;
    options.onProgress?.({ done, total: examples.length, result: results[index] });
  };

  const worker = async () => {
    while (next < examples.length) await attackOne(next++);
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, examples.length) }, worker));
  return {
    attack: configured,
    norm: options.norm,
    seed: options.seed,
    results,
    adversarial,
    originals: examples.map((e) => e.data),
    durationMs: Date.now() - started,
  };
}
