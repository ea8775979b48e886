/**
 * What a black-box attack sees of a model, and what it gives back.
 *
 * A target (a local ONNX file, or a function served over HTTP) is a `Classifier`: a batch of
 * inputs in, one score vector per input out. The attacks never see more. Score-based attacks
 * (Square, SimBA) read the scores; the decision-based one (HopSkipJump) gets a `LabelOnly` view
 * and reads nothing but the label, so it still works once a deployment releases labels alone.
 *
 * An attack works on one example at a time through an `ExampleView` (attacks/queries.ts), which
 * counts every input it sends (ART's notion of queries), refuses to go past the budget, and keeps
 * the closest adversarial input seen: when the budget runs out, that is the attack's result.
 */
import type { Random } from "../random";
import { argmax, type Norm } from "../vectors";

/** Row-major inputs of `inputShape` each. */
export type Batch = Float32Array[];

export interface Model {
  /** One input's shape, without the batch dimension (e.g. [784], [3, 48, 192], [512]). */
  readonly inputShape: readonly number[];
  /** The valid input range; every query is clipped to it (ART's `clip_values`). */
  readonly clip: readonly [number, number];
  /** How to lay the input out for attacks that work on squares or frequencies; `layoutOf(inputShape)` if absent. */
  readonly layout?: Layout;
}

export interface Classifier extends Model {
  readonly nbClasses: number;
  /** Scores (probabilities or logits) per input, `nbClasses` each. */
  predict(batch: Batch): Promise<Float32Array[]>;
  /**
   * The label a score vector stands for: argmax unless the target knows better (a detector's
   * box count, say). An input is adversarial when its label differs from the original's.
   */
  labelOf?(scores: Float32Array): number;
}

/** The label `model` gives `scores`. */
export function labelFor(model: Classifier, scores: Float32Array): number {
  return model.labelOf ? model.labelOf(scores) : argmax(scores);
}

/** What a decision-based attack may ask: the label of each input, nothing else. */
export interface LabelOnly extends Model {
  labels(batch: Batch): Promise<number[]>;
}

/** An input laid out as an image: channels x height x width (audio: 1 x 1 x samples). */
export interface Layout {
  channels: number;
  height: number;
  width: number;
}

/** What every attack is given for one example. */
export interface AttackTask<M extends Model> {
  model: M;
  /** The clean input. */
  original: Float32Array;
  /** The clean input's label, which the attack must move away from (untargeted, as ART's `y_p`). */
  label: number;
  /** The clean input's scores, from the query that established `label`. */
  scores: Float32Array;
  layout: Layout;
  norm: Norm;
  random: Random;
}

/** The input the attack ends on (adversarial or not: the example view judges it). */
export type Attack<M extends Model = Classifier> = (task: AttackTask<M>) => Promise<Float32Array>;

/** Thrown by an example view when the next query would exceed the example's budget. */
export class QueryBudgetExhausted extends Error {
  constructor(readonly budget: number) {
    super(`query budget of ${budget} exhausted`);
    this.name = "QueryBudgetExhausted";
  }
}

/** A layout for an input shape: [C, H, W] as it is, [H, W] as one channel, a flat square as an image, else 1-D. */
export function layoutOf(shape: readonly number[]): Layout {
  const size = shape.reduce((a, b) => a * b, 1);
  if (shape.length === 3) return { channels: shape[0], height: shape[1], width: shape[2] };
  if (shape.length === 2 && shape[0] > 1) return { channels: 1, height: shape[0], width: shape[1] };
  const side = Math.round(Math.sqrt(size));
  if (side > 1 && side * side === size) return { channels: 1, height: side, width: side };
  return { channels: 1, height: 1, width: size };
}
