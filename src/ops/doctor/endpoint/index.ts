/** The black-box checks in the order types.ts tells: discovery first, the burst last. */
import type { CheckResult } from "../types";
import { anonymousAccess, anonymousMetadata, tokenVerification } from "./access";
import { malformedBodies, oversizeBodies } from "./bodies";
import { discover } from "./discover";
import { crossOrigin, errorLeaks, internalTimings, modelFiles } from "./exposure";
import { answered, createProbe, type ProbeOptions } from "./http";
import { burst, rateLimitHeaders } from "./limits";
import { hsts, securityHeaders, tls } from "./transport";
import { type Check, DoctorBudgetExceeded, type EndpointTarget, type Session } from "./types";

const CHECKS: Check[] = [
  tls,
  hsts,
  anonymousAccess,
  anonymousMetadata,
  tokenVerification,
  errorLeaks,
  crossOrigin,
  modelFiles,
  oversizeBodies,
  malformedBodies,
  securityHeaders,
  internalTimings,
  rateLimitHeaders,
  burst,
];

export interface EndpointReport {
  base: string;
  models: string[];
  requests: number;
  results: CheckResult[];
}

export async function endpointChecks(
  base: URL,
  target: Omit<EndpointTarget, "probe">,
  options: ProbeOptions,
): Promise<EndpointReport> {
  const probe = createProbe(base, options);
  const session: Session = {
    ...target,
    probe,
    seen: [],
    model: "",
    async send(request) {
      const response = await probe.send(request);
      if (answered(response))
        session.seen.push({
          method: request.method ?? "GET",
          path: request.path,
          anonymous: !request.headers?.authorization,
          response,
        });
      return response;
    },
  };
  const reach = await discover(session);
  const results: CheckResult[] = [];
  if (!reach.reachable)
    results.push({
      id: "reachable",
      title: "the server answers",
      status: "fail",
      detail: `${base.origin}/v2/health/live: ${reach.error}`,
      fix: "check the URL (and --ca for a private certificate authority)",
    });
  else
    for (const [index, check] of CHECKS.entries()) {
      try {
        results.push(...[await check(session)].flat());
      } catch (error) {
        if (!(error instanceof DoctorBudgetExceeded)) throw error;
        results.push({
          id: "request-budget",
          title: "the request budget",
          status: "warn",
          detail: `${error.message} before checking ${CHECKS.slice(index)
            .map((c) => c.name)
            .join(", ")}`,
          fix: "raise --max-requests",
        });
        break;
      }
    }
  return { base: base.origin, models: session.models, requests: probe.sent, results };
}
