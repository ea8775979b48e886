/**
 * Builds one request's audit event from what the request left on its context. Runs after the
 * response, in `waitUntil`.
 */
import type { Context } from "hono";
import { routePath } from "hono/route";
import type { AppEnv } from "../env";
import { BastionError } from "../errors";
import { inputDigestOf, pseudonymOf } from "../privacy/subjects/pseudonym";
import { clientNetwork } from "../request/client-address";
import { AUDIT_SCHEMA, type AuditEvent, type AuditOutcome } from "./types";

export interface RequestFacts {
  id: string;
  time: string;
  latencyMs: number;
}

/**
 * `subjectKey` is the caller's own key (src/privacy/subjects), or undefined when there is no
 * caller or its key could not be had: the event then goes without pseudonym and input digest.
 */
export async function buildEvent(
  c: Context<AppEnv>,
  facts: RequestFacts,
  subjectKey: CryptoKey | undefined,
): Promise<AuditEvent> {
  const { principal, fn, inference, release, probing, erasure, control, sealed, rateLimits = [] } = c.var;
  const status = c.res.status;
  const errorCode = status >= 400 ? errorCodeOf(c) : undefined;
  const cf = (c.req.raw as { cf?: { country?: string } }).cf;
  return {
    schema: AUDIT_SCHEMA,
    id: facts.id,
    time: facts.time,
    requestId: c.var.requestId,
    method: c.req.method,
    route: routePath(c, -1),
    function: fn?.name,
    model: inference
      ? {
          id: inference.model.id,
          version: inference.model.version,
          sha256: inference.model.sha256,
          variant: inference.variant,
          kid: inference.kid,
        }
      : fn
        ? { id: fn.model.id, version: fn.model.version, sha256: fn.model.sha256 }
        : undefined,
    outcome: outcomeOf(status, errorCode),
    status,
    errorCode,
    latencyMs: Math.round(facts.latencyMs * 1000) / 1000,
    principal: principal && {
      pseudonym: subjectKey && (await pseudonymOf(subjectKey)),
      clientId: principal.clientId,
      tenant: principal.tenant,
      tier: principal.tier,
    },
    network: { ip: truncateIp(c.req.header("cf-connecting-ip")), country: cf?.country },
    inputDigest:
      inference && subjectKey ? await inputDigestOf(subjectKey, await canonicalTensors(inference.feeds)) : undefined,
    output: inference?.summary,
    release: release && { ...release.policy, ...(release.rawOutputs ? { rawOutputs: release.rawOutputs } : {}) },
    probing: probing && {
      level: probing.level,
      strikes: probing.strikes,
      signals: Object.entries(probing.signals)
        .filter(([, flagged]) => flagged)
        .map(([signal]) => signal),
    },
    erasure,
    control,
    sealed,
    rateLimits: rateLimits.map(({ scope, backend, allowed, remaining, outcome }) => ({
      scope,
      backend,
      allowed,
      remaining,
      outcome,
    })),
  };
}

function errorCodeOf(c: Context<AppEnv>): string {
  if (c.error instanceof BastionError) return c.error.code;
  if (c.res.status === 404) return "not_found";
  return "internal_error";
}

function outcomeOf(status: number, code: string | undefined): AuditOutcome {
  if (status < 400) return "served";
  if (status === 401) return "invalid_token";
  if (status === 403) return "forbidden";
  if (status === 429) return "rate_limited";
  if (status === 404) return "not_found";
  if (status === 499) return "client_closed";
  if (status < 500) return "invalid_input";
  if (code?.startsWith("model_")) return "model_unavailable";
  if (status === 503) return "unavailable";
  return "internal_error";
}

/** IPv4 to its /24, IPv6 to its /48: enough for abuse patterns, not to single out a person. */
function truncateIp(ip: string | undefined): string | undefined {
  const network = clientNetwork(ip, { ipv4: 24, ipv6: 48 });
  return network.kind === "network" ? network.cidr : undefined;
}

/** The input as the model saw it, in one canonical byte form whatever the request's encoding. */
async function canonicalTensors(
  feeds: Record<string, { type: string; dims: readonly number[]; data: unknown }>,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (const name of Object.keys(feeds).sort()) {
    const { type, dims, data } = feeds[name];
    const view = data as ArrayBufferView;
    parts.push(new TextEncoder().encode(`${name}\0${type}\0${dims.join(",")}\0`));
    parts.push(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  }
  return new Uint8Array(await new Blob(parts).arrayBuffer());
}
