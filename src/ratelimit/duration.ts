import type { Duration } from "./types";

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export function durationMs(duration: Duration): number {
  const [amount, unit] = duration.split(" ") as [string, keyof typeof UNIT_MS];
  return Number(amount) * UNIT_MS[unit];
}

export const DURATION_PATTERN = /^\d+(\.\d+)? (ms|s|m|h|d)$/;
