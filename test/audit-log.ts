/** Reading the audit log a test worker wrote. */
import { eventsIn } from "../src/audit/read";
import type { TestWorker } from "./worker";

export { eventsIn };

export const auditObjects = (w: TestWorker, prefix = "audit/") => w.readAudit(prefix);

/** Waits until the log and the dead-letter store hold `count` events between them, or times out. */
export async function drained(w: TestWorker, count: number, timeoutMs = 150_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const logged = eventsIn(await auditObjects(w));
    const dead = eventsIn(await auditObjects(w, "audit-dead-letter/"), false);
    if (logged.length + dead.length >= count || Date.now() > deadline) return { logged, dead };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
