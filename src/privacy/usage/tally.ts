/** The exact, capped counts over a grid: what noise is then added to (release.ts). Pure. */
import { AUDIT_OUTCOMES, type AuditEvent } from "../../audit/types";
import { type CountCell, LATENCY_BUCKETS_MS, type LatencyCell, type Tally, type UsageGrid } from "./types";

/**
 * Counts the grid's tenant's events, each pseudonym for at most `cap` events per day (its first
 * ones). Events without a pseudonym (its key store was down) cannot be capped, so they are not
 * counted.
 */
export function tallyUsage(events: AuditEvent[], grid: UsageGrid, cap: number): Tally {
  const functions = new Set(grid.functions);
  const days = new Set(grid.days);
  const counts = new Map<string, number>();
  const latency = new Map<string, number>();
  const perSubjectDay = new Map<string, number>();
  let capped = 0;
  const ordered = [...events].sort((a, b) => a.time.localeCompare(b.time));
  for (const event of ordered) {
    const pseudonym = event.principal?.pseudonym;
    const day = event.time.slice(0, 10);
    if (!pseudonym || event.principal?.tenant !== grid.tenant) continue;
    if (!event.function || !functions.has(event.function) || !days.has(day)) continue;
    const contributor = `${pseudonym}|${day}`;
    const contributed = perSubjectDay.get(contributor) ?? 0;
    if (contributed >= cap) {
      capped++;
      continue;
    }
    perSubjectDay.set(contributor, contributed + 1);
    increment(counts, `${event.function}|${day}|${event.outcome}`);
    if (event.outcome === "served") {
      const bucket = LATENCY_BUCKETS_MS.findIndex((le) => event.latencyMs <= le);
      increment(latency, `${event.function}|${day}|${bucket}`);
    }
  }
  const countCells: CountCell[] = [];
  const latencyCells: LatencyCell[] = [];
  for (const fn of grid.functions) {
    for (const day of grid.days) {
      for (const outcome of AUDIT_OUTCOMES)
        countCells.push({ function: fn, day, outcome, count: counts.get(`${fn}|${day}|${outcome}`) ?? 0 });
      LATENCY_BUCKETS_MS.forEach((le, bucket) => {
        latencyCells.push({
          function: fn,
          day,
          le: Number.isFinite(le) ? le : null,
          count: latency.get(`${fn}|${day}|${bucket}`) ?? 0,
        });
      });
    }
  }
  return { counts: countCells, latency: latencyCells, capped };
}

function increment(map: Map<string, number>, key: string) {
  map.set(key, (map.get(key) ?? 0) + 1);
}
