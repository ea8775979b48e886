/**
 * Reading the audit log back: its chained objects verified, then their events, for the CLIs
 * (`npm run audit`, `npm run privacy`) and the usage statistics. Where the objects come from (R2,
 * wrangler's local state, a downloaded directory) is the caller's business.
 */
import { HEAD_KEY, importSigningKey, type VerifyReport, verifyChain } from "./chain";
import type { AuditEvent } from "./types";

export interface StoredObject {
  name: string;
  body: string;
}

/** The chain's objects (dead-lettered batches apart) and the writer's head among `all`. */
export function chainedObjects(all: StoredObject[]): { objects: StoredObject[]; head: string | null } {
  const headName = HEAD_KEY.slice(HEAD_KEY.lastIndexOf("/") + 1);
  return {
    objects: all.filter(({ name }) => name.endsWith(".ndjson") && !name.includes("audit-dead-letter")),
    head: all.find(({ name }) => name.slice(name.lastIndexOf("/") + 1) === headName)?.body ?? null,
  };
}

/** How often a log that verifies differently each time is read again before its problems stand. */
const READS = 4;
const REREAD_PAUSE_MS = 250;

/**
 * Reads the objects with `read`, verifies the chain with AUDIT_SIGNING_KEY and returns its
 * events with the report. A log being written can look torn for a moment (wrangler's local R2
 * rewrites the head in place): problems count once two reads in a row find the same ones, as
 * tampering does.
 */
export async function readVerifiedLog(
  read: () => Promise<StoredObject[]>,
  signingSecret: string,
): Promise<{ report: VerifyReport; events: AuditEvent[] }> {
  const key = await importSigningKey(signingSecret);
  let previous: string | undefined;
  for (let attempt = 1; ; attempt++) {
    const { objects, head } = chainedObjects(await read());
    const report = await verifyChain(objects, key, head);
    const problems = JSON.stringify(report.problems);
    if (report.problems.length === 0 || problems === previous || attempt === READS)
      return { report, events: eventsIn(objects) };
    previous = problems;
    await new Promise((resolve) => setTimeout(resolve, REREAD_PAUSE_MS * attempt));
  }
}

/** The events in objects: chained objects start with a header line, dead-letter ones do not. */
export function eventsIn(objects: StoredObject[], header = true): AuditEvent[] {
  return objects.flatMap(({ body }) =>
    body
      .split("\n")
      .slice(header ? 1 : 0)
      .filter(Boolean)
      .map((line) => JSON.parse(line) as AuditEvent),
  );
}

/** Events with from <= time < to (epoch milliseconds), oldest first. */
export function eventsBetween(events: AuditEvent[], from: number, to: number): AuditEvent[] {
  return events
    .filter((event) => {
      const time = Date.parse(event.time);
      return time >= from && time < to;
    })
    .sort((a, b) => a.time.localeCompare(b.time));
}
