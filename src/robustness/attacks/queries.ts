/**
 * One example's view of the target: it counts queries, enforces the budget, and remembers the
 * closest adversarial input any query has found (in the run's norm), whichever attack asked.
 * That input, not the attack's last word, is the example's result: an attack cut short by the
 * budget still reports the best it found, and nothing counts as adversarial unless the target
 * said so for exactly that input.
 */
import { distance, type Norm } from "../vectors";
import { type Batch, type Classifier, type LabelOnly, labelFor, QueryBudgetExhausted } from "./types";

export interface Found {
  input: Float32Array;
  label: number;
  distance: number;
}

export class ExampleView implements Classifier, LabelOnly {
  readonly inputShape: readonly number[];
  readonly clip: readonly [number, number];
  readonly nbClasses: number;
  readonly layout: Classifier["layout"];
  queries = 0;
  /** The original's label once known (after the first query, unless given). */
  originalLabel: number | undefined;
  best: Found | undefined;

  constructor(
    private readonly target: Classifier,
    private readonly original: Float32Array,
    private readonly norm: Norm,
    private readonly budget = Number.POSITIVE_INFINITY,
  ) {
    this.inputShape = target.inputShape;
    this.clip = target.clip;
    this.nbClasses = target.nbClasses;
    this.layout = target.layout;
  }

  labelOf(scores: Float32Array): number {
    return labelFor(this.target, scores);
  }

  async predict(batch: Batch): Promise<Float32Array[]> {
    if (this.queries + batch.length > this.budget) throw new QueryBudgetExhausted(this.budget);
    this.queries += batch.length;
    const scores = await this.target.predict(batch);
    for (let i = 0; i < batch.length; i++) this.judge(batch[i], this.labelOf(scores[i]));
    return scores;
  }

  async labels(batch: Batch): Promise<number[]> {
    return (await this.predict(batch)).map((s) => this.labelOf(s));
  }

  private judge(input: Float32Array, label: number) {
    if (this.originalLabel === undefined || label === this.originalLabel) return;
    const d = distance(input, this.original, this.norm);
    if (!this.best || d < this.best.distance) this.best = { input: input.slice(), label, distance: d };
  }
}
