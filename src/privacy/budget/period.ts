/** Budget periods in UTC: a day, a week from Monday, or a calendar month. */
import type { BudgetPeriod } from "./types";

const DAY_MS = 86_400_000;

export function periodOf(kind: "day" | "week" | "month", now: Date): BudgetPeriod {
  const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  if (kind === "day") return { id: isoDay(day), renews: new Date(day + DAY_MS) };
  if (kind === "week") {
    const monday = day - ((now.getUTCDay() + 6) % 7) * DAY_MS;
    return { id: `week-${isoDay(monday)}`, renews: new Date(monday + 7 * DAY_MS) };
  }
  return {
    id: isoDay(day).slice(0, 7),
    renews: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)),
  };
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
