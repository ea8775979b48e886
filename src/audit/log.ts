/**
 * The single writer of the audit log: one Durable Object (by name, "audit") that appends batches
 * to R2 in sequence, so the hash chain never forks. It remembers the ids it has written (SQLite)
 * and drops redeliveries, so the log holds each event once. An object is recorded as written only
 * after R2 accepted it; a failure leaves the chain where it was, for the queue to retry.
 */
import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../env";
import { type ChainHead, GENESIS, HEAD_KEY, importSigningKey, sealHead, sealObject } from "./chain";
import type { AuditEvent } from "./types";

export const AUDIT_LOG_NAME = "audit";
const DAY_MS = 86_400_000;

export class AuditLog extends DurableObject<Bindings> {
  #key: Promise<CryptoKey> | undefined;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS written (id TEXT PRIMARY KEY, at INTEGER NOT NULL)");
  }

  /** Appends the events not written before; returns how many were new and how many repeats. */
  async append(events: AuditEvent[]): Promise<{ written: number; duplicates: number }> {
    // One append at a time: R2 writes are I/O, and two interleaved appends would fork the chain.
    // A failure is returned, not thrown, from inside: a throw there would reset the object.
    const outcome = await this.ctx.blockConcurrencyWhile(() =>
      this.#append(events).then(
        (counts) => ({ counts }),
        (error: unknown) => ({ error: String(error) }),
      ),
    );
    if ("error" in outcome) throw new Error(outcome.error);
    return outcome.counts;
  }

  async #append(events: AuditEvent[]) {
    const fresh = this.#unwritten(events);
    let head = (await this.ctx.storage.get<ChainHead>("head")) ?? { seq: 0, hash: GENESIS };
    for (const group of byHour(fresh)) {
      const sealed = await sealObject(group, head, await this.#signingKey());
      await this.#write(sealed.key, sealed.body);
      await this.#write(HEAD_KEY, await sealHead(sealed.head, await this.#signingKey()));
      const now = Date.now();
      this.ctx.storage.transactionSync(() => {
        for (const event of group)
          this.ctx.storage.sql.exec("INSERT OR IGNORE INTO written (id, at) VALUES (?, ?)", event.id, now);
      });
      await this.ctx.storage.put("head", sealed.head);
      head = sealed.head;
    }
    this.#forgetOlderThan(Date.now() - this.#retentionDays() * DAY_MS);
    return { written: fresh.length, duplicates: events.length - fresh.length };
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
    // Fault injector for tests (AUDIT_FAULT_INJECTION="fail-writes:N"): the first N writes fail.
    const faults = Number(/^fail-writes:(\d+)$/.exec(this.env.AUDIT_FAULT_INJECTION ?? "")?.[1] ?? 0);
    if (faults > 0) {
      const injected = (await this.ctx.storage.get<number>("faults-injected")) ?? 0;
      if (injected < faults) {
        await this.ctx.storage.put("faults-injected", injected + 1);
        throw new Error("fault injection: R2 write refused");
      }
    }
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
