/**
 * PRADA (Juuti, Szyller, Marchal and Asokan, "PRADA: Protecting against DNN Model Stealing
 * Attacks", EuroS&P 2019, Algorithm 1). For each query of predicted class c: its minimum distance
 * to the class's growing set G_c joins the caller's distances D; the query joins G_c when that
 * distance exceeds the class's threshold T_c = max(T_c, mean - std of the distances that admitted
 * G_c's members). Natural queries give roughly normal distances; synthetic ones (an attack's steps
 * around a few seeds) do not, so Shapiro-Wilk W on D below delta flags the caller.
 *
 * Bounded: G_c keeps its latest `maxPerClass` members, D its latest `maxDistances`.
 */
import { distance } from "./projection";
import { shapiroWilk } from "./shapiro-wilk";

export interface PradaState {
  /** Per class: the growing set, the distances that admitted its members, the threshold. */
  classes: Record<number, { members: number[][]; admitted: number[]; threshold: number }>;
  distances: number[];
}

export const emptyPrada = (): PradaState => ({ classes: {}, distances: [] });

export interface PradaSettings {
  delta: number;
  minDistances: number;
  maxPerClass: number;
  maxDistances: number;
}

/** Adds a query; returns W when there are enough distances to test, else undefined. */
export function observePrada(state: PradaState, projection: Float32Array, label: number, settings: PradaSettings) {
  const point = Array.from(projection);
  state.classes[label] ??= { members: [], admitted: [], threshold: 0 };
  const entry = state.classes[label];
  if (entry.members.length === 0) {
    entry.members.push(point);
    return { w: undefined, flagged: false };
  }
  let nearest = Infinity;
  for (const member of entry.members) nearest = Math.min(nearest, distance(projection, member));
  push(state.distances, nearest, settings.maxDistances);
  if (nearest > entry.threshold) {
    push(entry.members, point, settings.maxPerClass);
    push(entry.admitted, nearest, settings.maxPerClass);
    entry.threshold = Math.max(entry.threshold, mean(entry.admitted) - deviation(entry.admitted));
  }
  if (state.distances.length < settings.minDistances) return { w: undefined, flagged: false };
  const w = shapiroWilk(state.distances);
  return { w, flagged: w < settings.delta };
}

function push<T>(list: T[], item: T, max: number) {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}

function mean(values: number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

function deviation(values: number[]): number {
  const m = mean(values);
  return Math.sqrt(values.reduce((sum, v) => sum + (v - m) ** 2, 0) / values.length);
}
