/**
 * The local drain control of `npm start` (tools/start.ts): local queue delivery is in memory, so
 * stopping wrangler dev would lose the audit events still queued. Only when LOCAL_CONTROL_TOKEN
 * is set (npm start sets a random one per run; production never does) does `POST /_local/drain`
 * with that token as bearer exist; otherwise, and with any other credential, the path is as
 * unknown as any other.
 *
 * A drain refuses every later request (503 shutting_down, not audited), waits for the requests in
 * flight and their audit sends, then sends a marker through AUDIT_QUEUE and waits until the
 * AuditLog writer has seen it: everything queued before it is then in the log. Bounded in time
 * (protocol.ts).
 */
import { AUDIT_LOG_NAME } from "../audit/log";
import { DRAIN_MARKER_SCHEMA } from "../audit/marker";
import type { Bindings } from "../env";
import { inFlight } from "./in-flight";
import { DRAIN_PATH, DRAIN_TIMEOUT_MS, type DrainOutcome } from "./protocol";

const POLL_MS = 50;

type FetchHandler = (request: Request, env: Bindings, ctx: ExecutionContext) => Response | Promise<Response>;

/** `fetch` with the drain control in front when LOCAL_CONTROL_TOKEN is set, else `fetch` itself. */
export function withLocalControl(fetch: FetchHandler): FetchHandler {
  // Per isolate; wrangler dev runs one.
  let draining = false;
  return async (request, env, ctx) => {
    const token = env.LOCAL_CONTROL_TOKEN;
    if (!token) return fetch(request, env, ctx);
    if (draining) return shuttingDown();
    if (request.method === "POST" && new URL(request.url).pathname === DRAIN_PATH && (await bears(request, token))) {
      draining = true;
      return Response.json(await drain(env), { headers: { "cache-control": "no-store" } });
    }
    return inFlight.track(Promise.resolve(fetch(request, env, ctx)));
  };
}

async function drain(env: Bindings): Promise<DrainOutcome> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  const requestsSettled = await until(() => inFlight.count === 0, deadline);
  if (env.AUDIT === "off" || !env.AUDIT_QUEUE) return { requestsSettled, auditWritten: "off" };
  const marker = { schema: DRAIN_MARKER_SCHEMA, id: crypto.randomUUID() } as const;
  await env.AUDIT_QUEUE.send(marker);
  const log = env.AUDIT_LOG.get(env.AUDIT_LOG.idFromName(AUDIT_LOG_NAME));
  return { requestsSettled, auditWritten: await until(() => log.sawMarker(marker.id), deadline) };
}

/** Polls `check` until it holds (true) or the deadline passes (false). */
async function until(check: () => boolean | Promise<boolean>, deadline: number): Promise<boolean> {
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Whether the request's Authorization is `Bearer <token>`, compared in constant time. */
async function bears(request: Request, token: string): Promise<boolean> {
  const digest = (text: string) => crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  const [given, expected] = await Promise.all([
    digest(request.headers.get("authorization") ?? ""),
    digest(`Bearer ${token}`),
  ]);
  return crypto.subtle.timingSafeEqual(given, expected);
}

function shuttingDown(): Response {
  return Response.json(
    { error: "the server is shutting down", code: "shutting_down" },
    { status: 503, headers: { "cache-control": "no-store" } },
  );
}
