/**
 * The audit log as CSV for spreadsheets (`npm run audit -- export --format csv`). Events carry
 * caller-controlled text (a request id, a token's tenant claim), so every cell that a spreadsheet
 * would read as a formula is neutralised with a leading single quote, as OWASP's CSV injection
 * guidance says, before the usual CSV quoting.
 */
import type { AuditEvent } from "./types";

const COLUMNS: [string, (e: AuditEvent) => unknown][] = [
  ["id", (e) => e.id],
  ["time", (e) => e.time],
  ["request_id", (e) => e.requestId],
  ["method", (e) => e.method],
  ["route", (e) => e.route],
  ["function", (e) => e.function],
  ["model_id", (e) => e.model?.id],
  ["model_version", (e) => e.model?.version],
  ["model_sha256", (e) => e.model?.sha256],
  ["kid", (e) => e.model?.kid],
  ["outcome", (e) => e.outcome],
  ["status", (e) => e.status],
  ["error_code", (e) => e.errorCode],
  ["latency_ms", (e) => e.latencyMs],
  ["pseudonym", (e) => e.principal?.pseudonym],
  ["client_id", (e) => e.principal?.clientId],
  ["tenant", (e) => e.principal?.tenant],
  ["tier", (e) => e.principal?.tier],
  ["ip", (e) => e.network.ip],
  ["country", (e) => e.network.country],
  ["input_digest", (e) => e.inputDigest],
  ["output", (e) => (e.output ? JSON.stringify(e.output) : undefined)],
  ["release", (e) => (e.release ? JSON.stringify(e.release) : undefined)],
  ["probing", (e) => (e.probing ? JSON.stringify(e.probing) : undefined)],
  ["rate_limits", (e) => JSON.stringify(e.rateLimits)],
];

/** A header row, then one row per event; rows end in a newline. */
export function auditCsv(events: AuditEvent[]): string {
  const rows = events.map((event) => COLUMNS.map(([, read]) => csvCell(read(event))).join(","));
  return `${[COLUMNS.map(([name]) => name).join(","), ...rows].join("\n")}\n`;
}

/** Characters that make a spreadsheet read a cell as a formula (or run one, after a tab or CR). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: formula-like text quoted with a leading `'`, then quoted as CSV where it must be. */
export function csvCell(value: unknown): string {
  let text = value === undefined || value === null ? "" : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
