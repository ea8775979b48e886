/**
 * The queue consumers. The audit queue's batches go to the AuditLog writer; a batch it cannot
 * write is retried with exponential back-off, and after the queue's `max_retries` it moves to the
 * dead-letter queue, whose consumer stores the events apart (`audit-dead-letter/`), so nothing is
 * dropped silently.
 */
import type { Bindings } from "../env";
import { AUDIT_LOG_NAME } from "./log";
import type { AuditEvent } from "./types";

export async function consumeAuditBatch(batch: MessageBatch<AuditEvent>, env: Bindings): Promise<void> {
  if (batch.queue === env.AUDIT_DEAD_LETTER_QUEUE) return storeDeadLetters(batch, env);
  const log = env.AUDIT_LOG.get(env.AUDIT_LOG.idFromName(AUDIT_LOG_NAME));
  try {
    const { written, duplicates } = await log.append(batch.messages.map((m) => m.body));
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

async function storeDeadLetters(batch: MessageBatch<AuditEvent>, env: Bindings): Promise<void> {
  const now = new Date().toISOString();
  const key = `audit-dead-letter/date=${now.slice(0, 10)}/hour=${now.slice(11, 13)}/${crypto.randomUUID()}.ndjson`;
  await env.AUDIT_BUCKET.put(key, `${batch.messages.map((m) => JSON.stringify(m.body)).join("\n")}\n`);
  console.error(JSON.stringify({ event: "audit_dead_lettered", messages: batch.messages.length, key }));
  batch.ackAll();
}
