/**
 * Contestants measured in the same rounds, in a fresh random order each round, so that a noisy
 * neighbour slows both sides of a ratio rather than one of them.
 */
import { spread } from "./stats";

export interface Sample {
  wallMs: number;
  cpuMs: number;
}

export async function interleave<Name extends string>(
  rounds: number,
  contestants: Record<Name, () => Promise<Sample>>,
): Promise<Record<Name, Sample[]>> {
  const names = Object.keys(contestants) as Name[];
  const samples = Object.fromEntries(names.map((name) => [name, [] as Sample[]])) as Record<Name, Sample[]>;
  for (let round = 0; round < rounds; round++) {
    const order = names
      .map((name) => ({ name, key: Math.random() }))
      .sort((a, b) => a.key - b.key)
      .map(({ name }) => name);
    for (const name of order) samples[name].push(await contestants[name]());
  }
  return samples;
}

/** Per-round ratios of `a` to `b`, by CPU and by wall time: their median and spread. */
export function ratios(a: Sample[], b: Sample[]) {
  return {
    cpu: spread(
      a.map((s, i) => s.cpuMs / b[i].cpuMs),
      2,
    ),
    wall: spread(
      a.map((s, i) => s.wallMs / b[i].wallMs),
      2,
    ),
  };
}
