/**
 * What a wrangler environment's worker needs in the account, read from the environment itself: the
 * buckets behind its MODELS and AUDIT_BUCKET bindings, every queue it produces to or consumes
 * (with the dead-letter queue), retention on the audit bucket for AUDIT_RETENTION_DAYS, and its
 * Durable Objects. Refuses a configuration the worker would run wrongly on.
 */
import { OBJECTS_PREFIX } from "../../audit/chain";
import { MIN_RETENTION_DAYS } from "../doctor/config";
import { type DesiredResources, ProvisioningRefused, type WranglerEnvironment } from "./types";

/**
 * The prefixes the audit log writes under (src/audit/chain.ts, src/audit/consumer.ts), one rule
 * each: the chained objects, never the head (audit/head.json), which must outlive them all.
 */
const AUDIT_PREFIXES = [
  { name: "audit-retention", prefix: OBJECTS_PREFIX },
  { name: "dead-letter-retention", prefix: "audit-dead-letter/" },
];

export function desiredResources(env: string, environment: WranglerEnvironment): DesiredResources {
  const section = `[env.${env}]`;
  const consumers = environment.queues?.consumers ?? [];
  const deadLetters = new Set(consumers.flatMap((c) => c.dead_letter_queue ?? []));
  const queueNames = new Set([
    ...(environment.queues?.producers ?? []).map((p) => p.queue),
    ...consumers.map((c) => c.queue),
    ...deadLetters,
  ]);
  const named = environment.vars?.AUDIT_DEAD_LETTER_QUEUE;
  if (named === undefined || !deadLetters.has(named))
    throw new ProvisioningRefused(
      `${section} vars: AUDIT_DEAD_LETTER_QUEUE is ${JSON.stringify(named)}, but the audit queue's dead_letter_queue is ` +
        `${[...deadLetters].join(", ") || "not set"}: the consumer would take dead letters for fresh events`,
    );
  const expireDays = retentionDays(section, environment.vars?.AUDIT_RETENTION_DAYS);
  return {
    env,
    worker: environment.name,
    modelsBucket: boundBucket(environment, "MODELS"),
    auditBucket: boundBucket(environment, "AUDIT_BUCKET"),
    queues: [...queueNames].map((name) => ({ name, deadLetter: deadLetters.has(name) })),
    retention: AUDIT_PREFIXES.map((rule) => ({ ...rule, expireDays })),
    durableObjects: {
      classes: (environment.durable_objects?.bindings ?? []).map((b) => b.class_name),
      migrations: (environment.migrations ?? []).map((m) => m.tag),
    },
  };
}

/** The name of the R2 bucket the environment binds as `binding`. */
export function boundBucket(environment: WranglerEnvironment, binding: string): string {
  const bucket = environment.r2_buckets?.find((b) => b.binding === binding)?.bucket_name;
  if (!bucket) throw new ProvisioningRefused(`the worker ${environment.name} binds no R2 bucket as ${binding}`);
  return bucket;
}

/** The audit log's retention in days: a whole number, and never under the EU AI Act's six months. */
function retentionDays(section: string, text: string | undefined): number {
  const days = Number(text);
  if (text === undefined || !Number.isInteger(days))
    throw new ProvisioningRefused(`${section} vars: AUDIT_RETENTION_DAYS is ${JSON.stringify(text)}, not days`);
  if (days < MIN_RETENTION_DAYS)
    throw new ProvisioningRefused(
      `${section} vars: AUDIT_RETENTION_DAYS is ${days}: the audit log must be kept at least ` +
        `${MIN_RETENTION_DAYS} days (EU AI Act Art. 26(6)); no lifecycle rule is made to delete it sooner`,
    );
  return days;
}
