/**
 * The single writer of the audit log: one Durable Object (by name, "audit") that appends batches
 * to R2 in sequence, so the hash chain never forks. It remembers the ids it has written (SQLite)
 * and drops redeliveries, so the log holds each event once.
 *
 * Each object goes through a write-ahead journal: sealed, it is first recorded as pending (seq,
 * key, body, the head it makes) in SQLite; then the object and the head are written to R2; then
 * one transaction marks its events written, advances the head and clears the entry. If any step
 * fails, the queue retries the batch, and every append first completes a pending object exactly
 * as it was sealed (putting the same key and body again is idempotent), so a seq never names two
 * objects, whatever hour the retried batch starts in.
 */
import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../env";
import { type ChainHead, GENESIS, HEAD_KEY, importSigningKey, sealHead, sealObject } from "./chain";
import { injectWriteFault } from "./faults";
import type { AuditEvent } from "./types";

export const AUDIT_LOG_NAME = "audit";
const DAY_MS = 86_400_000;

/** A sealed object not yet known to be in R2 with its head; `ids` is its event ids, as JSON. */
type PendingObject = { seq: number; key: string; body: string; hash: string; ids: string };

export class AuditLog extends DurableObject<Bindings> {
  #key: Promise<CryptoKey> | undefined;
  /** Drain markers whose batch was written, until a drain asks (marker.ts). */
  #markersSeen = new Set<string>();

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS written (id TEXT PRIMARY KEY, at INTEGER NOT NULL)");
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS pending (seq INTEGER PRIMARY KEY, key TEXT NOT NULL, body TEXT NOT NULL, hash TEXT NOT NULL, ids TEXT NOT NULL)",
    );
  }

  /**
   * Appends the events not written before, then notes the batch's drain markers as seen; returns
   * how many events were new and how many repeats.
   */
  async append(events: AuditEvent[], markers: string[] = []): Promise<{ written: number; duplicates: number }> {
    // One append at a time: R2 writes are I/O, and two interleaved appends would fork the chain.
    // A failure is returned, not thrown, from inside: a throw there would reset the object.
    const outcome = await this.ctx.blockConcurrencyWhile(() =>
      this.#append(events).then(
        (counts) => ({ counts }),
        (error: unknown) => ({ error: String(error) }),
      ),
    );
    if ("error" in outcome) throw new Error(outcome.error);
    for (const marker of markers) this.#markersSeen.add(marker);
    return outcome.counts;
  }

  /** Whether a batch carrying drain marker `id` was written (asked once: it is forgotten). */
  sawMarker(id: string): boolean {
    return this.#markersSeen.delete(id);
  }

  async #append(events: AuditEvent[]) {
    // What a failed append left half-written comes first, under the seq and key it was sealed with.
    for (const pending of this.ctx.storage.sql.exec<PendingObject>("SELECT * FROM pending ORDER BY seq").toArray())
      await this.#commit(pending);
    const fresh = this.#unwritten(events);
    let head = this.ctx.storage.kv.get<ChainHead>("head") ?? { seq: 0, hash: GENESIS };
    for (const group of byHour(fresh)) {
      const sealed = await sealObject(group, head, await this.#signingKey());
      const pending = {
        seq: sealed.head.seq,
        key: sealed.key,
        body: sealed.body,
        hash: sealed.head.hash,
        ids: JSON.stringify(group.map((event) => event.id)),
      };
      // Durable before the R2 writes: a Durable Object's output gate holds them until it is stored.
      this.ctx.storage.sql.exec(
        "INSERT INTO pending (seq, key, body, hash, ids) VALUES (?, ?, ?, ?, ?)",
        pending.seq,
        pending.key,
        pending.body,
        pending.hash,
        pending.ids,
      );
      await this.#commit(pending);
      head = sealed.head;
    }
    this.#forgetOlderThan(Date.now() - this.#retentionDays() * DAY_MS);
    return { written: fresh.length, duplicates: events.length - fresh.length };
  }

  /** Writes a journalled object and the head it makes, then records both as done. */
  async #commit(pending: PendingObject) {
    const head: ChainHead = { seq: pending.seq, hash: pending.hash };
    await this.#write(pending.key, pending.body);
    await this.#write(HEAD_KEY, await sealHead(head, await this.#signingKey()));
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      for (const id of JSON.parse(pending.ids) as string[])
        this.ctx.storage.sql.exec("INSERT OR IGNORE INTO written (id, at) VALUES (?, ?)", id, now);
      this.ctx.storage.kv.put("head", head);
      this.ctx.storage.sql.exec("DELETE FROM pending WHERE seq = ?", pending.seq);
    });
  }

  #unwritten(events: AuditEvent[]): AuditEvent[] {
    const seen = new Set<string>();
    return events.filter((event) => {
      if (seen.has(event.id)) return false;
      seen.add(event.id);
      return this.ctx.storage.sql.exec("SELECT 1 FROM written WHERE id = ?", event.id).toArray().length === 0;
    });
  }

  async #write(key: string, body: string) {
    if (injectWriteFault(this.env.AUDIT_FAULT_INJECTION, key, this.ctx.storage))
      throw new Error(`fault injection: R2 write of ${key} refused`);
    await this.env.AUDIT_BUCKET.put(key, body, { httpMetadata: { contentType: "application/x-ndjson" } });
  }

  #signingKey(): Promise<CryptoKey> {
    if (!this.env.AUDIT_SIGNING_KEY) throw new Error("AUDIT_SIGNING_KEY is not configured");
    this.#key ??= importSigningKey(this.env.AUDIT_SIGNING_KEY);
    return this.#key;
  }

  #retentionDays(): number {
    return Number(this.env.AUDIT_RETENTION_DAYS ?? 180) || 180;
  }

  /** Ids older than the retention period: their events are gone from R2 too (lifecycle rule). */
  #forgetOlderThan(cutoff: number) {
    this.ctx.storage.sql.exec("DELETE FROM written WHERE at < ?", cutoff);
  }
}

/** Events grouped by the UTC hour they happened in, oldest first: one object per group. */
function byHour(events: AuditEvent[]): AuditEvent[][] {
  const groups = new Map<string, AuditEvent[]>();
  for (const event of [...events].sort((a, b) => a.time.localeCompare(b.time))) {
    const hour = event.time.slice(0, 13);
    groups.set(hour, [...(groups.get(hour) ?? []), event]);
  }
  return [...groups.values()];
}
