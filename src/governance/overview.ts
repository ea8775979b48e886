/**
 * What the operator's page shows (`GET /v1/admin/overview`, scope `admin`; `npm run console`):
 * each function with its model versions, their signatures and cards' risk class, its stop and
 * version controls and its rate limit; the audit log's volume by outcome per hour over the last
 * day, its dead-letter count, and its chain verified now. Read-only, and without raw inputs or
 * subjects: principals appear as counts, operators as their digests.
 */
import type { Context } from "hono";
import { importSigningKey, type VerifyReport, verifyChain } from "../audit/chain";
import { chainedObjects, eventsIn, type StoredObject } from "../audit/read";
import type { AppEnv } from "../env";
import type { InferenceFunction } from "../functions/define";
import { signatureKey } from "../models/manifest";
import { functionPolicy, rateLimitSettingsFor } from "../ratelimit/policy";
import type { functionControls } from "./controls/controls";
import type { TrustedKeys } from "./keys";
import { MODEL_CARD_SECTIONS } from "./model-card";
import { subjectName, verifyModelSignature } from "./model-signature";

/** The log is verified here only while it is this small; past that, `npm run audit -- verify`. */
export const MAX_VERIFIED_OBJECTS = 2000;
const DAY_MS = 24 * 3600 * 1000;

export async function operatorOverview(
  c: Context<AppEnv>,
  functions: InferenceFunction[],
  controls: ReturnType<typeof functionControls>,
  trustedKeys: () => Promise<TrustedKeys>,
) {
  const trusted = await trustedKeys();
  const settings = rateLimitSettingsFor(c.env);
  return {
    generatedAt: new Date().toISOString(),
    functions: await Promise.all(
      functions.map(async (fn) => {
        const state = await controls.read(c, fn.name);
        return {
          name: fn.name,
          description: fn.description,
          riskClass: fn.model.card.riskClass,
          /** The default version's model card, by Mitchell et al.'s sections. */
          card: MODEL_CARD_SECTIONS.map(({ section, fields }) => ({
            section,
            text: fields
              .map((field) => fn.model.card[field])
              .filter((value) => typeof value === "string")
              .join(" "),
          })),
          versions: await Promise.all(
            fn.versions.map(async (model) => {
              const text = await (await c.env.MODELS.get(signatureKey(model)))?.text();
              const signature = await verifyModelSignature(text, model, trusted).then(
                (verified) => ({ signer: verified.signer }),
                (error: Error) => ({ refused: error.message }),
              );
              return { version: model.version, subject: subjectName(model), sha256: model.sha256, signature };
            }),
          ),
          defaultVersion: state.versions.default ?? fn.model.version,
          canary: state.versions.canary ?? null,
          stop: state.stop
            ? { publicReason: state.stop.publicReason, reason: state.stop.reason, at: state.stop.at }
            : null,
          stoppedPrincipals: Object.keys(state.principals).length,
          rateLimit: functionPolicy(settings, fn, "default"),
        };
      }),
    ),
    audit: await auditSummary(c),
  };
}

async function auditSummary(c: Context<AppEnv>) {
  const bucket = c.env.AUDIT_BUCKET;
  const names = await listAll(bucket, "audit");
  const deadLetters = names.filter((name) => name.startsWith("audit-dead-letter/")).length;
  const chained = names.filter((name) => name.startsWith("audit/"));
  if (chained.length > MAX_VERIFIED_OBJECTS)
    return { objects: chained.length, deadLetters, verified: null, hours: [] as HourCount[] };
  const all: StoredObject[] = await Promise.all(
    chained.map(async (name) => ({ name, body: (await (await bucket.get(name))?.text()) ?? "" })),
  );
  const { objects, head } = chainedObjects(all);
  const report: VerifyReport = await verifyChain(objects, await importSigningKey(c.env.AUDIT_SIGNING_KEY ?? ""), head);
  return {
    objects: objects.length,
    deadLetters,
    verified: { ok: report.problems.length === 0, problems: report.problems.length, at: new Date().toISOString() },
    hours: byHour(eventsIn(objects), Date.now() - DAY_MS),
  };
}

interface HourCount {
  hour: string;
  outcomes: Record<string, number>;
}

/** Events since `from`, counted per UTC hour and outcome, oldest first. */
function byHour(events: { time: string; outcome: string }[], from: number): HourCount[] {
  const hours = new Map<string, Record<string, number>>();
  for (const event of events) {
    if (Date.parse(event.time) < from) continue;
    const hour = event.time.slice(0, 13);
    const counts = hours.get(hour) ?? {};
    counts[event.outcome] = (counts[event.outcome] ?? 0) + 1;
    hours.set(hour, counts);
  }
  return [...hours.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([hour, outcomes]) => ({ hour, outcomes }));
}

async function listAll(bucket: R2Bucket, prefix: string): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor });
    names.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor && names.length <= MAX_VERIFIED_OBJECTS * 2);
  return names;
}
