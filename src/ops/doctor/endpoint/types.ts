/**
 * The doctor's black-box checks of a running endpoint: what any caller on the network can learn or
 * do, tried from outside, against Bastion or any Open Inference Protocol server (KServe, Triton).
 *
 *   http.ts       the only way out: raw requests to the one origin given, within a budget
 *   discover.ts   which models the server has and which route a token opens
 *   transport.ts  TLS and HSTS, and the security headers every response should carry
 *   access.ts     every route but health refuses an anonymous caller (methods and path variants),
 *                 OIP metadata is not anonymous, forged (`alg: none`, altered) and expired tokens
 *                 are refused
 *   exposure.ts   errors leak no stack or internals, CORS is not open to any origin, no model file
 *                 or encrypted envelope is reachable, no internal timings in headers
 *   bodies.ts     oversize and malformed bodies refused quickly, and the server still serving
 *   limits.ts     rate-limit headers, and a burst gets 429 (last: it spends the caller's budget)
 *   index.ts      runs them in that order
 *
 * Each check is a CheckResult (../types.ts). The doctor is bounded (MAX_REQUESTS by default) and
 * talks only to the origin it is given.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { CheckResult } from "../types";
import type { Probe, ProbeFailure, ProbeRequest, ProbeResponse } from "./http";

export const DEFAULT_MAX_REQUESTS = 400;
export const DEFAULT_BURST = 150;

export interface EndpointTarget {
  probe: Probe;
  /** A valid access token for the server, when the user gave one. */
  token?: string;
  /** A token past its expiry, signed by the same issuer (locally: npm run token -- --ttl -120). */
  expiredToken?: string;
  /** Models to probe; discovered when not given. */
  models: string[];
  /** At most this many requests in the rate-limit burst. */
  burst: number;
}

/** One run against one server: the target, what discovery learned, and every response seen. */
export interface Session extends EndpointTarget {
  /** Sends, and records the response in `seen`. */
  send(request: ProbeRequest): Promise<ProbeResponse | ProbeFailure>;
  seen: Seen[];
  /** The model the route checks use: the first one known, else a made-up name. */
  model: string;
  /** One of its versions, when its metadata said. */
  version?: string;
  /** A GET the token is admitted to (2xx with it), for the token and burst checks. */
  admittedRoute?: string;
}

export interface Seen {
  method: string;
  path: string;
  anonymous: boolean;
  response: ProbeResponse;
}

export type Check = (session: Session) => Promise<CheckResult | CheckResult[]>;

export const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(", ") : value;
};

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export class DoctorBudgetExceeded extends Error {
  readonly code = "doctor_budget_exceeded";
  constructor(maxRequests: number) {
    super(`the doctor's budget of ${maxRequests} requests is spent`);
  }
}
