import { describe, expect, it } from "vitest";
import { emptyMonitor, observe, strike } from "./monitor";
import { probingPolicy } from "./policy";
import { createProjector } from "./projection";
import type { Verdict } from "./types";

const policy = probingPolicy({ ladder: { labelOnly: 5, refuse: 10, stop: 20 } });
const project = createProjector(new Uint8Array(32).fill(3));

/** A seeded uniform generator, so every run sees the same inputs. */
function generator(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Natural-looking inputs: independent points of a 784-dimensional cloud, confidently classified. */
function benign(random: () => number) {
  const input = Array.from({ length: 784 }, () => random());
  return { projection: project(input), label: Math.floor(random() * 10), margin: 0.2 + 0.8 * random() };
}

function run(
  queries: number,
  next: (i: number) => ReturnType<typeof benign>,
  state = emptyMonitor(),
  withPolicy = policy,
) {
  const verdicts: Verdict[] = [];
  for (let i = 0; i < queries; i++) verdicts.push(observe(state, { ...next(i), at: i }, withPolicy));
  return { state, verdicts };
}

describe("the probing monitor", () => {
  it("flags nothing in independent, confidently answered queries", () => {
    const random = generator(1);
    const { verdicts } = run(400, () => benign(random));
    expect(verdicts.filter((v) => v.level !== "none")).toEqual([]);
  });

  it("flags answers crowding the decision boundary, and climbs the ladder to a stop", () => {
    const random = generator(2);
    const { state, verdicts } = run(policy.minObservations + 40, () => ({
      ...benign(random),
      margin: 0.05 * random(),
    }));
    const first = verdicts.findIndex((v) => v.signals.boundary);
    expect(first).toBe(policy.minObservations - 1);
    expect(verdicts.map((v) => v.level)).toContain("label-only");
    expect(verdicts.at(-1)?.level).toBe("stopped");
    // A stop outlasts the evidence: benign queries afterwards do not lift it.
    const after = run(policy.window + 10, () => benign(random), state);
    expect(after.verdicts.at(-1)?.level).toBe("stopped");
  });

  it("flags a walk of small steps from one input (score-based attacks)", () => {
    const random = generator(3);
    const start = Array.from({ length: 784 }, () => random());
    const { verdicts } = run(policy.minObservations + 5, () => {
      const step = start.map((v) => v + (random() < 0.01 ? 0.3 : 0));
      return { projection: project(step), label: 3, margin: 0.6 };
    });
    expect(verdicts.at(-1)?.signals.duplicates).toBe(true);
  });

  it("forgives strikes after a clean window, and forgets observations after their time-to-live", () => {
    const random = generator(4);
    // A ladder that never stops: the flagged queries stay in the window, and flag, until they leave it.
    const patient = probingPolicy({ ladder: { labelOnly: 1000, refuse: 1000, stop: 1000 } });
    const state = emptyMonitor();
    run(patient.minObservations + 2, () => ({ ...benign(random), margin: 0 }), state, patient);
    expect(state.strikes).toBeGreaterThan(0);
    const clean = run(patient.window * 2, () => benign(random), state, patient);
    expect(clean.verdicts.at(-1)).toMatchObject({ level: "none", strikes: 0 });
    observe(state, { ...benign(random), at: patient.ttlSeconds * 1000 * 10 }, patient);
    expect(state.recent).toHaveLength(1);
  });

  it("does not count exact repeats (a retry, a batch run again) as evidence", () => {
    const random = generator(5);
    const queries = Array.from({ length: 30 }, () => benign(random));
    const state = emptyMonitor();
    for (let round = 0; round < 10; round++)
      for (const [i, query] of queries.entries()) observe(state, { ...query, at: round * 30 + i }, policy);
    expect(state.recent).toHaveLength(30);
    expect(state.strikes).toBe(0);
  });

  it("counts refused queries as strikes up to the stop", () => {
    const state = emptyMonitor();
    let verdict = strike(state, policy);
    for (let i = 1; i < policy.ladder.stop; i++) verdict = strike(state, policy);
    expect(verdict.level).toBe("stopped");
  });
});
