import type { CheckResult } from "./types";

const MARK = { pass: "PASS", warn: "WARN", fail: "FAIL", skip: "SKIP" } as const;

/** The terminal report: one line per check, its fix beneath, then the counts. */
export function formatReport(results: readonly CheckResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${MARK[r.status]}  ${r.title}: ${r.detail}`);
    if (r.fix) lines.push(`      fix: ${r.fix}`);
  }
  const count = (status: CheckResult["status"]) => results.filter((r) => r.status === status).length;
  const skipped = count("skip") > 0 ? `, ${count("skip")} skipped` : "";
  lines.push("", `${count("pass")} pass, ${count("warn")} warn, ${count("fail")} fail${skipped}`);
  return lines.join("\n");
}

export const anyFailed = (results: readonly CheckResult[]) => results.some((r) => r.status === "fail");
