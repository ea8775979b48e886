/**
 * `report.json`: what was attacked and how, the summary under ART's metric names, and one entry
 * per example (its true and clean labels, the adversarial label, success, queries, and the L2 and
 * L-inf norms of the perturbation). Everything a reader needs to compare two runs.
 */
import { type Summary, summarize } from "../metrics";
import type { ExampleResult, Run } from "../run";

export type TargetDescription =
  | { kind: "onnx"; file: string }
  | { kind: "http"; base: string; function: string; tier?: string; requests?: number };

export interface Report {
  tool: "bastion redteam";
  createdAt: string;
  target: TargetDescription & { inputShape: readonly number[]; clip: readonly [number, number] };
  attack: {
    name: string;
    title: string;
    norm: "2" | "inf";
    /** Success threshold (Square: its budget); null: any adversarial input counts. */
    eps: number | null;
    /** Per-example query budget; null: the attack's own limits only. */
    queries: number | null;
    seed: number;
    /** ART's parameters, by ART's names. */
    params: Record<string, unknown>;
  };
  summary: Summary & { duration_s: number };
  examples: ExampleResult[];
}

export function buildReport(
  run: Run,
  target: Report["target"],
  budget: number | undefined,
  createdAt = new Date().toISOString(),
): Report {
  return {
    tool: "bastion redteam",
    createdAt,
    target,
    attack: {
      name: run.attack.name,
      title: run.attack.title,
      norm: run.norm,
      eps: run.attack.eps ?? null,
      queries: budget ?? null,
      seed: run.seed,
      params: run.attack.params,
    },
    summary: { ...summarize(run.results), duration_s: run.durationMs / 1000 },
    examples: run.results,
  };
}
