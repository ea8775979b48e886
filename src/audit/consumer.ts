/**
 * The queue consumers. The audit queue's batches go to the AuditLog writer; a batch it cannot
 * write is retried with exponential back-off, and after the queue's `max_retries` it moves to the
 * dead-letter queue, whose consumer stores the events apart (`audit-dead-letter/`), so nothing is
 * dropped silently. Drain markers (`marker.ts`) ride along to the writer and are never stored.
 */
import type { Bindings } from "../env";
import { AUDIT_LOG_NAME } from "./log";
import { type AuditMessage, isDrainMarker } from "./marker";
import type { AuditEvent } from "./types";

export async function consumeAuditBatch(batch: MessageBatch<AuditMessage>, env: Bindings): Promise<void> {
  if (batch.queue === env.AUDIT_DEAD_LETTER_QUEUE) return storeDeadLetters(batch, env);
  const log = env.AUDIT_LOG.get(env.AUDIT_LOG.idFromName(AUDIT_LOG_NAME));
  const { events, markers } = sortOut(batch);
  try {
    const { written, duplicates } = await log.append(events, markers);
    if (duplicates > 0) console.log(JSON.stringify({ event: "audit_duplicates_dropped", duplicates, written }));
    batch.ackAll();
  } catch (error) {
    const base = Number(env.AUDIT_RETRY_DELAY_SECONDS ?? 2);
    console.warn(
      JSON.stringify({ event: "audit_write_failed", messages: batch.messages.length, error: String(error) }),
    );
    for (const message of batch.messages)
      message.retry({ delaySeconds: Math.min(300, base * 2 ** (message.attempts - 1)) });
  }
}

async function storeDeadLetters(batch: MessageBatch<AuditMessage>, env: Bindings): Promise<void> {
  // A drain marker that could not be written is dropped: it carries nothing to keep.
  const { events } = sortOut(batch);
  if (events.length > 0) {
    const now = new Date().toISOString();
    const key = `audit-dead-letter/date=${now.slice(0, 10)}/hour=${now.slice(11, 13)}/${crypto.randomUUID()}.ndjson`;
    await env.AUDIT_BUCKET.put(key, `${events.map((event) => JSON.stringify(event)).join("\n")}\n`);
    console.error(JSON.stringify({ event: "audit_dead_lettered", messages: events.length, key }));
  }
  batch.ackAll();
}

/** The batch's events, and the ids of its drain markers, which are never written. */
function sortOut(batch: MessageBatch<AuditMessage>) {
  const bodies = batch.messages.map((m) => m.body);
  return {
    events: bodies.filter((body): body is AuditEvent => !isDrainMarker(body)),
    markers: bodies.filter(isDrainMarker).map((marker) => marker.id),
  };
}
