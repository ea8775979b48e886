/**
 * `npm run provision -- --env NAME`: makes the Cloudflare account hold what a wrangler.toml
 * environment's worker needs, and says what is left to the operator and to `wrangler deploy`.
 *
 *   desired.ts   what the environment names: its R2 buckets, its queue and dead-letter queue, the
 *                audit bucket's retention rules (refused under 180 days), its Durable Objects
 *                (made by `wrangler deploy`, which applies the migrations) and the secrets
 *                (secrets.ts: which, how each is made)
 *   plan.ts      the desired resources against what the account holds: one item each, present,
 *                to create or publish, left to the operator or to deploy, or in conflict
 *   commands.ts  each step as the wrangler command that carries it out
 *   report.ts    the plan as the terminal shows it
 *
 * tools/wrangler-account.ts reads the account, tools/provisioning.ts carries the plan out.
 *
 * The account is read and changed only through wrangler (tools/wrangler.ts), so a dry run prints
 * the very commands a real run carries out, and a second run finds nothing to do.
 */

/** The parts of a wrangler.toml environment (or its top level) that provisioning and the checks read. */
export interface WranglerEnvironment {
  name: string;
  vars?: Record<string, string>;
  r2_buckets?: { binding: string; bucket_name: string }[];
  queues?: {
    producers?: { binding: string; queue: string }[];
    consumers?: { queue: string; dead_letter_queue?: string }[];
  };
  durable_objects?: { bindings?: { name: string; class_name: string }[] };
  /** Inherited from the top level unless the environment has its own (wrangler's rule). */
  migrations?: { tag: string }[];
}

/** An R2 lifecycle rule that expires objects under a prefix after some days. */
export interface RetentionRule {
  name: string;
  prefix: string;
  expireDays: number;
}

/** What one environment's worker needs in the account. */
export interface DesiredResources {
  /** The wrangler environment, as `--env` names it. */
  env: string;
  /** The environment's worker: its secrets and Durable Objects belong to it. */
  worker: string;
  modelsBucket: string;
  auditBucket: string;
  queues: { name: string; deadLetter: boolean }[];
  /** Lifecycle rules on the audit bucket, one per prefix the audit log writes under. */
  retention: RetentionRule[];
  durableObjects: { classes: string[]; migrations: string[] };
}

/** A lifecycle rule as `wrangler r2 bucket lifecycle list` shows it. */
export interface ObservedRule {
  name: string;
  enabled: boolean;
  /** "" for the whole bucket. */
  prefix: string;
  /** Days after which the rule deletes objects, when it does so by age. */
  expireDays?: number;
}

/** What the account holds of an environment, or why wrangler could not tell. */
export type AccountState =
  | {
      readable: true;
      buckets: ReadonlySet<string>;
      queues: ReadonlySet<string>;
      /** The audit bucket's rules (none while the bucket does not exist). */
      auditRules: readonly ObservedRule[];
      /** The names of the worker's secrets (none before its first deploy or secret). */
      secrets: ReadonlySet<string>;
    }
  | { readable: false; reason: string };

/** A change to the account, carried out by one wrangler command (publishing: one per object). */
export type Step =
  | { kind: "create-bucket"; bucket: string }
  | { kind: "create-queue"; queue: string }
  | { kind: "add-retention-rule"; bucket: string; rule: RetentionRule }
  | { kind: "put-secret"; name: string; source: "generated" | "operator-file" }
  | { kind: "publish-models"; bucket: string };

/**
 * One thing the environment needs, as found:
 *   present    the account has it; left as it is
 *   create     provisioning creates it (its step)
 *   operator   missing, and only the operator can supply it (the detail says how)
 *   publish    the models: each object the bucket lacks or holds stale is written, the rest skipped
 *   deploy     `wrangler deploy` makes it
 *   conflict   there, but not as it must be; provisioning never changes it, and exits 1
 */
export type ItemStatus = "present" | "create" | "operator" | "publish" | "deploy" | "conflict";

export interface PlanItem {
  /** e.g. "R2 bucket bastion-models-staging". */
  what: string;
  status: ItemStatus;
  detail?: string;
  step?: Step;
}

/** The environment's configuration asks for something provisioning must not make. */
export class ProvisioningRefused extends Error {
  override name = "ProvisioningRefused";
}
