/** The worker entry point: the app with the functions in `functions/`, and the audit queue consumer. */
import { functions } from "../functions";
import { createApp } from "./app";
import { consumeAuditBatch } from "./audit/consumer";
import type { AuditEvent } from "./audit/types";
import { withLocalControl } from "./drain/control";
import type { Bindings } from "./env";
import { startRuntime } from "./inference/runtime";

// ORT's own start-up runs while the isolate starts, not on its first request (src/inference/runtime.ts).
startRuntime();
const app = createApp({ functions });

export default {
  fetch: withLocalControl(app.fetch),
  queue: consumeAuditBatch,
} satisfies ExportedHandler<Bindings, AuditEvent>;

export { AuditLog } from "./audit/log";
export { FunctionControls } from "./governance/controls/durable-object";
export { PrivacyLedger } from "./privacy/budget/durable-object";
export { SubjectKeys } from "./privacy/subjects/durable-object";
export { ProbingMonitor } from "./probing/durable-object";
export { RateLimiter } from "./ratelimit/durable-object";
