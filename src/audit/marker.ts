/**
 * A drain marker: a message on the audit queue that is not an event. The consumer hands it to the
 * writer with its batch, and the writer notes it (in memory, never in the log) once that batch is
 * written; seeing it noted tells a drain that what was queued before it is in the log.
 */
import type { AuditEvent } from "./types";

export const DRAIN_MARKER_SCHEMA = "bastion.audit-drain-marker/1";

export interface DrainMarker {
  schema: typeof DRAIN_MARKER_SCHEMA;
  id: string;
}

/** What the audit queue carries. */
export type AuditMessage = AuditEvent | DrainMarker;

export function isDrainMarker(message: AuditMessage): message is DrainMarker {
  return message.schema === DRAIN_MARKER_SCHEMA;
}
