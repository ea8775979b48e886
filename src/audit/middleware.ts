/**
 * Hono middleware: one audit event per request that reaches it, whatever the outcome, sent to
 * the queue after the response is ready (in `waitUntil`, so it adds no latency). With auditing
 * on (the default) and its queue missing or a secret missing or malformed, the protected routes
 * close with 503.
 */
import { createMiddleware } from "hono/factory";
import { inFlight } from "../drain/in-flight";
import type { AppEnv, Bindings } from "../env";
import { AuditNotConfigured } from "../errors";
import type { SubjectKeyring } from "../privacy/subjects/keyring";
import { secretKeyProblem } from "../secret-keys";
import { buildEvent } from "./event";
import { AUDIT_SECRETS } from "./secrets";
import type { AuditEvent } from "./types";

/** What auditing still lacks in this environment, or undefined when it is off or complete. */
export function missingAuditSetting(env: Bindings): string | undefined {
  if (env.AUDIT === "off") return undefined;
  if (!env.AUDIT_QUEUE) return "the AUDIT_QUEUE binding";
  for (const name of AUDIT_SECRETS) {
    const value = env[name];
    if (!value) return `the ${name} secret`;
    const problem = secretKeyProblem(name, value);
    if (problem) return `a valid ${name} secret (the one set ${problem})`;
  }
  return undefined;
}

/** `subjects` holds callers' keys: their pseudonyms and input digests are computed under them. */
export function auditTrail(subjects: SubjectKeyring) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (c.env.AUDIT === "off") return next();
    const missing = missingAuditSetting(c.env);
    if (missing) throw new AuditNotConfigured(missing);
    const queue = c.env.AUDIT_QUEUE as Queue<AuditEvent>;
    const facts = { id: crypto.randomUUID(), time: new Date().toISOString(), latencyMs: 0 };
    const started = performance.now();
    await next();
    facts.latencyMs = performance.now() - started;
    const sending = (async () => {
      const principal = c.get("principal");
      const subjectKey =
        principal &&
        (await subjects.keyFor(c.env, principal).catch((error: unknown) => {
          // The event still goes, without pseudonym and input digest: losing it would be worse.
          console.error(
            JSON.stringify({
              event: "audit_subject_key_unavailable",
              requestId: c.get("requestId"),
              error: String(error),
            }),
          );
          return undefined;
        }));
      const event = await buildEvent(c, facts, subjectKey);
      try {
        await queue.send(event);
      } catch {
        await queue.send(event).catch((error: unknown) => {
          // The queue refused twice: say so loudly, with what identifies the lost event.
          console.error(
            JSON.stringify({
              event: "audit_send_failed",
              id: event.id,
              requestId: event.requestId,
              error: String(error),
            }),
          );
        });
      }
    })();
    // Counted until sent, so a drain (src/drain) waits for it.
    c.executionCtx.waitUntil(inFlight.track(sending));
  });
}
