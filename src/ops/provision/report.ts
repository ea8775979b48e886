import type { ItemStatus, PlanItem } from "./types";

const SAYS: Record<ItemStatus, string> = {
  present: "present",
  create: "missing, to create",
  operator: "missing, for the operator",
  publish: "to publish",
  deploy: "made by deploy",
  conflict: "CONFLICT",
};

/** The plan for the terminal: one line per item, what was found and what happens to it, the detail beneath. */
export function formatPlan(items: readonly PlanItem[]): string {
  return items
    .flatMap((item) => [`  ${item.what}: ${SAYS[item.status]}`, ...(item.detail ? [`      ${item.detail}`] : [])])
    .join("\n");
}
