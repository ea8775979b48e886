/** The tally's capping and grid, and the release's exact integer noise, on synthetic events. */
import { describe, expect, it } from "vitest";
import type { AuditEvent, AuditOutcome } from "../../audit/types";
import { parseRational } from "../dp";
import type { RandomSource } from "../dp/types";
import { drawNoise } from "./release";
import { gridCells, releaseUsage } from "./report";
import { parseUsageSettings } from "./settings";
import { tallyUsage } from "./tally";

let sequence = 0;
function event(
  pseudonym: string | undefined,
  time: string,
  options: { tenant?: string; fn?: string; outcome?: AuditOutcome; latencyMs?: number } = {},
): AuditEvent {
  return {
    schema: "bastion.audit/1",
    id: String(sequence++),
    time,
    requestId: "r",
    method: "POST",
    route: "/v1/functions/:name",
    function: options.fn ?? "vad",
    outcome: options.outcome ?? "served",
    status: 200,
    latencyMs: options.latencyMs ?? 7,
    principal: { pseudonym, tenant: options.tenant ?? "acme", tier: "default" },
    network: {},
    rateLimits: [],
  };
}

const grid = { tenant: "acme", functions: ["vad", "digits"], days: ["2026-11-26", "2026-11-27"] };
const cell = (tally: ReturnType<typeof tallyUsage>, fn: string, day: string, outcome: string) =>
  tally.counts.find((c) => c.function === fn && c.day === day && c.outcome === outcome)?.count;

describe("the tally", () => {
  it("counts each subject for at most `cap` events a day, its first ones, and only the grid's tenant", () => {
    const events = [
      ...Array.from({ length: 15 }, (_, i) => event("heavy", `2026-11-26T10:00:${String(i).padStart(2, "0")}Z`)),
      event("heavy", "2026-11-27T01:00:00Z", { outcome: "rate_limited" }),
      event("light", "2026-11-26T11:00:00Z", { fn: "digits", latencyMs: 30 }),
      event("other-tenant", "2026-11-26T11:00:00Z", { tenant: "globex" }),
      event(undefined, "2026-11-26T12:00:00Z"),
      event("light", "2026-11-25T12:00:00Z"),
    ];
    const tally = tallyUsage(events, grid, 10);
    expect(cell(tally, "vad", "2026-11-26", "served")).toBe(10);
    expect(tally.capped).toBe(5);
    // The cap is per day: the next day counts again.
    expect(cell(tally, "vad", "2026-11-27", "rate_limited")).toBe(1);
    expect(cell(tally, "digits", "2026-11-26", "served")).toBe(1);
    expect(tally.latency.find((c) => c.function === "digits" && c.count === 1)?.le).toBe(50);
    expect(tally.latency.find((c) => c.function === "vad" && c.day === "2026-11-26" && c.count > 0)).toMatchObject({
      le: 10,
      count: 10,
    });
    // Every cell of the grid is there, zero or not, and nothing outside it.
    expect(tally.counts.length + tally.latency.length).toBe(gridCells(grid));
    expect(tally.counts.reduce((sum, c) => sum + c.count, 0)).toBe(12);
  });
});

describe("the release", () => {
  const settings = parseUsageSettings(JSON.stringify({ rhoPerQuery: "0.5", contributionCap: 3 }));

  it("adds one integer draw to each cell, whatever the true counts, with sigma² = days·cap²/rho exactly", () => {
    const seeded = (): RandomSource => {
      let state = 42;
      return { nextUint32: () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) };
    };
    const noise = () =>
      drawNoise({ contributionCap: settings.contributionCap, rho: settings.rhoPerQuery }, 2, gridCells(grid), seeded());
    const plan = noise();
    expect(plan.sigma2).toEqual(parseRational("36")); // 2 days · 3² / 0.5
    expect(plan.l2Sensitivity).toBeCloseTo(3 * Math.sqrt(4), 12);
    const quiet = releaseUsage([], grid, plan, settings);
    const busy = releaseUsage(
      Array.from({ length: 3 }, (_, i) => event(`s${i}`, "2026-11-26T10:00:00Z")),
      grid,
      noise(),
      settings,
    );
    const figures = (r: typeof quiet) => [...r.counts, ...r.latency].map((c) => c.count);
    for (const value of [...figures(quiet), ...figures(busy)]) expect(Number.isSafeInteger(value)).toBe(true);
    // Same draws, so the only difference is the true counts: exactly 3 in two cells.
    const differences = figures(busy).map((value, i) => value - figures(quiet)[i]);
    expect(differences.filter((d) => d !== 0)).toEqual([3, 3]);
    expect(quiet.privacy).toMatchObject({ rho: 0.5, contributionCapPerDay: 3, plusMinus95: expect.any(Number) });
    expect(quiet.privacy.epsilon).toBeGreaterThan(0.5);
  });

  it("refuses settings that are not settings, naming what is wrong", () => {
    expect(() => parseUsageSettings(JSON.stringify({ rhoPerQuery: 0.1 }))).toThrow(/rhoPerQuery/);
    expect(() => parseUsageSettings(JSON.stringify({ rhoPerQuery: "0" }))).toThrow(/above 0/);
    expect(() => parseUsageSettings("{")).toThrow(/not JSON/);
  });
});
