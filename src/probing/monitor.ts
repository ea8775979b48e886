/**
 * One principal's use of one function, as the probing detector sees it (see types.ts): recent
 * observations, PRADA's state, and the strikes that set the rung of the ladder. Plain data, so
 * the Durable Object that keeps it can store it as it is.
 */
import { emptyPrada, observePrada, type PradaState } from "./prada";
import { distance, norm } from "./projection";
import type { Observation, ProbingLevel, ProbingPolicy, Verdict } from "./types";

export interface MonitorState {
  recent: { projection: number[]; margin: number; duplicate: boolean; flagged: boolean; at: number }[];
  prada: PradaState;
  strikes: number;
  stopped: boolean;
}

export const emptyMonitor = (): MonitorState => ({ recent: [], prada: emptyPrada(), strikes: 0, stopped: false });

/** The rung of the ladder for a number of strikes (a stop stays until cleared). */
export function levelOf(state: MonitorState, policy: ProbingPolicy): ProbingLevel {
  const { ladder } = policy;
  if (state.stopped || state.strikes >= ladder.stop) return "stopped";
  if (state.strikes >= ladder.refuse) return "refused";
  if (state.strikes >= ladder.labelOnly) return "label-only";
  return state.strikes > 0 ? "flagged" : "none";
}

/** Records an answered query and returns the verdict on the principal after it. */
export function observe(state: MonitorState, observation: Observation, policy: ProbingPolicy): Verdict {
  forget(state, observation.at - policy.ttlSeconds * 1000);
  const { projection, margin, at } = observation;
  const scale = Math.max(norm(projection), Number.EPSILON);
  let nearest = Infinity;
  for (const earlier of state.recent) nearest = Math.min(nearest, distance(projection, earlier.projection));
  // An exact repeat (a retry, a batch job run again) tells the caller nothing new: not evidence.
  if (nearest === 0) return { level: levelOf(state, policy), strikes: state.strikes, signals: noSignals() };
  const duplicate = nearest / scale < policy.duplicateRadius;
  const prada = observePrada(state.prada, projection, observation.label, {
    delta: policy.pradaDelta,
    minDistances: policy.minObservations,
    maxPerClass: policy.window,
    maxDistances: policy.window,
  });
  const entry = { projection: Array.from(projection), margin, duplicate, flagged: false, at };
  state.recent.push(entry);
  if (state.recent.length > policy.window) state.recent.splice(0, state.recent.length - policy.window);

  const enough = state.recent.length >= policy.minObservations;
  const enabled = policy.signals;
  const signals = {
    boundary: enabled.boundary && enough && boundaryShareIsHigh(state, policy),
    duplicates: enabled.duplicates && enough && share(state, (o) => o.duplicate) > policy.duplicateShare,
    prada: enabled.prada && prada.flagged,
  };
  entry.flagged = signals.boundary || signals.duplicates || signals.prada;
  if (entry.flagged) state.strikes++;
  else if (state.recent.length >= policy.window && !state.recent.some((o) => o.flagged)) state.strikes = 0;
  const level = levelOf(state, policy);
  if (level === "stopped") state.stopped = true;
  return { level, strikes: state.strikes, signals };
}

/** Records a batch's queries in order; the verdict after the last, with every signal any of them raised. */
export function observeAll(
  state: MonitorState,
  observations: readonly { projection: ArrayLike<number>; label: number; margin: number }[],
  at: number,
  policy: ProbingPolicy,
): Verdict {
  let verdict: Verdict = { level: levelOf(state, policy), strikes: state.strikes, signals: noSignals() };
  for (const { projection, label, margin } of observations) {
    const next = observe(state, { projection: Float32Array.from(projection), label, margin, at }, policy);
    const raised = verdict.signals;
    verdict = {
      ...next,
      signals: {
        boundary: raised.boundary || next.signals.boundary,
        duplicates: raised.duplicates || next.signals.duplicates,
        prada: raised.prada || next.signals.prada,
      },
    };
  }
  return verdict;
}

/** A refused query (the principal kept going after 429) is a strike too, and climbs to the stop. */
export function strike(state: MonitorState, policy: ProbingPolicy): Verdict {
  state.strikes++;
  const level = levelOf(state, policy);
  if (level === "stopped") state.stopped = true;
  return { level, strikes: state.strikes, signals: noSignals() };
}

export const noSignals = () => ({ boundary: false, duplicates: false, prada: false });

/**
 * More near-boundary answers than the function's normal share explains: above the baseline by
 * three standard deviations of a binomial share over the window.
 */
function boundaryShareIsHigh(state: MonitorState, policy: ProbingPolicy): boolean {
  const n = state.recent.length;
  const base = policy.boundaryBaseline;
  const observed = share(state, (o) => o.margin < policy.boundaryMargin);
  return observed > base + 3 * Math.sqrt((base * (1 - base)) / n) + 1 / n;
}

function share(state: MonitorState, test: (o: MonitorState["recent"][number]) => boolean): number {
  return state.recent.filter(test).length / state.recent.length;
}

function forget(state: MonitorState, before: number) {
  const kept = state.recent.filter((o) => o.at >= before);
  if (kept.length === state.recent.length) return;
  state.recent = kept;
  if (kept.length === 0) state.prada = emptyPrada();
}
