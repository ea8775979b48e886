/**
 * The attacks by name, and how the command line's common options map onto each one's ART
 * parameters: `eps` is Square's budget and, for the others, the largest perturbation that still
 * counts as a success; `queries` caps every example's queries (and sets Square's `max_iter`, so
 * its window schedule spans the budget).
 */
import type { Norm } from "../vectors";
import { HOP_SKIP_JUMP_DEFAULTS, type HopSkipJumpParams, hopSkipJump } from "./hop-skip-jump";
import { SIMBA_DEFAULTS, type SimbaParams, simba } from "./simba";
import { SQUARE_DEFAULTS, type SquareParams, square } from "./square";
import type { Attack, Classifier, LabelOnly } from "./types";

export const ATTACK_NAMES = ["hsj", "square", "simba"] as const;
export type AttackName = (typeof ATTACK_NAMES)[number];

export interface AttackSettings {
  norm: Norm;
  eps?: number;
  queries?: number;
  /** ART's parameters by ART's names, e.g. {"max_iter": 20} or {"attack": "px"}. */
  params?: Record<string, unknown>;
}

export interface ConfiguredAttack {
  name: AttackName;
  title: string;
  /** Reads labels only (works on hardened outputs). */
  decisionBased: boolean;
  /** Given an example view, which answers with scores and labels alike. */
  attack: Attack<Classifier & LabelOnly>;
  /** Every ART parameter as used, defaults included. */
  params: Record<string, unknown>;
  /** Success means a perturbation at most this large (in `norm`); undefined: any adversarial input. */
  eps: number | undefined;
}

const DEFINITIONS = {
  hsj: { title: "HopSkipJump", norms: ["2", "inf"], decisionBased: true, defaults: HOP_SKIP_JUMP_DEFAULTS },
  square: { title: "Square Attack", norms: ["inf"], decisionBased: false, defaults: SQUARE_DEFAULTS },
  simba: { title: "SimBA", norms: ["2", "inf"], decisionBased: false, defaults: SIMBA_DEFAULTS },
} as const;

/** Square's own queries besides `max_iter`: the stripes it starts from (the clean input's is the run's). */
const SQUARE_SETUP_QUERIES = 1;

export function configureAttack(name: AttackName, settings: AttackSettings): ConfiguredAttack {
  const definition = DEFINITIONS[name];
  if (!(definition.norms as readonly Norm[]).includes(settings.norm)) {
    throw new Error(`${definition.title} supports --norm ${definition.norms.join(" or ")}, not ${settings.norm}`);
  }
  const given = settings.params ?? {};
  const unknown = Object.keys(given).filter((key) => !(key in definition.defaults));
  if (unknown.length > 0) {
    throw new Error(
      `${name} has no parameter ${unknown.join(", ")} (ART's: ${Object.keys(definition.defaults).join(", ")})`,
    );
  }
  const params: Record<string, unknown> = { ...definition.defaults, ...given };
  if (name === "square") {
    if (settings.eps !== undefined) params.eps = settings.eps;
    if (settings.queries !== undefined && given.max_iter === undefined) {
      params.max_iter = Math.max(1, settings.queries - 1 - SQUARE_SETUP_QUERIES);
    }
  }
  // Checked against ART's names above; values are the caller's to get right (as in ART).
  const attack =
    name === "hsj"
      ? hopSkipJump(params as Partial<HopSkipJumpParams>)
      : name === "square"
        ? square(params as Partial<SquareParams>)
        : simba(params as Partial<SimbaParams>);
  return {
    name,
    title: definition.title,
    decisionBased: definition.decisionBased,
    attack,
    params,
    eps: name === "square" ? (params.eps as number) : settings.eps,
  };
}
