/**
 * Every failure a caller can see is a `BastionError`: an HTTP status, a stable machine-readable
 * `code`, and a message written for the caller. Anything else that escapes is an internal error
 * whose details stay in the worker's log. Every error class lives here.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";

export class BastionError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    /** Response headers the error needs, such as `Retry-After` or `WWW-Authenticate`. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 400: the request is malformed or does not fit the model's signature. */
export class InvalidInput extends BastionError {
  constructor(code: string, message: string) {
    super(400, code, message);
  }
}

/** 409: the request conflicts with the current state (a rollback with nothing to roll back to). */
export class Conflict extends BastionError {
  constructor(code: string, message: string) {
    super(409, code, message);
  }
}

/** 404: no such function, model version or route. */
export class NotFound extends BastionError {
  constructor(code: string, message: string) {
    super(404, code, message);
  }
}

/** 413: the body is larger than the function accepts. */
export class PayloadTooLarge extends BastionError {
  constructor(maxBytes: number) {
    super(413, "payload_too_large", `request body exceeds ${maxBytes} bytes`);
  }
}

/**
 * 499 (nginx's "client closed request"): the caller went away before its body arrived. Nobody
 * reads the answer; the status exists so the audit log records the abort as the caller's, not
 * as our fault.
 */
export class ClientClosedRequest extends BastionError {
  constructor() {
    super(499 as ContentfulStatusCode, "client_closed", "the client closed the request before its body arrived");
  }
}

/** 415: the body is not in a format the endpoint reads. */
export class UnsupportedMediaType extends BastionError {
  constructor(accepted: string) {
    super(415, "unsupported_media_type", `content type must be ${accepted}`);
  }
}

/**
 * How long a failed model load is remembered before the next request tries again; model errors
 * tell clients to wait as long (`Retry-After`).
 */
export const MODEL_RETRY_AFTER_SECONDS = 10;
const retryAfterModel = { "Retry-After": String(MODEL_RETRY_AFTER_SECONDS) };

/** 503: the model's key-encryption key is missing or cannot open the model's data key. */
export class ModelKeyUnavailable extends BastionError {
  constructor(message: string) {
    super(503, "model_key_unavailable", message, retryAfterModel);
  }
}

/** 503: the stored artifact failed authentication or its digest differs from the manifest. */
export class ModelIntegrityFailed extends BastionError {
  constructor(message: string) {
    super(503, "model_integrity_failed", message, retryAfterModel);
  }
}

/** 503: the artifact is missing from storage or could not be read or started. */
export class ModelUnavailable extends BastionError {
  constructor(message: string) {
    super(503, "model_unavailable", message, retryAfterModel);
  }
}

/** The body every error response carries. */
export const errorBodySchema = z.object({
  error: z.string().describe("what went wrong, written for the caller"),
  code: z.string().describe("a stable machine-readable code, e.g. invalid_token, rate_limited, invalid_input"),
  request_id: z.string().describe("the request's id (also in X-Request-Id), to quote to support"),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

/**
 * 401 (RFC 6750): no usable bearer token. The description says what kind of problem it was,
 * never the token's content or the verifier's internals.
 */
export class InvalidToken extends BastionError {
  constructor(description: string) {
    super(401, "invalid_token", description, {
      "WWW-Authenticate": `Bearer realm="bastion", error="invalid_token", error_description="${description}"`,
    });
  }
}

/** 403 (RFC 6750): a valid token without the scope the resource needs. */
export class InsufficientScope extends BastionError {
  /** `needed`: what the scope would have allowed, when the resource alone does not say. */
  constructor(
    readonly scope: string,
    needed?: string,
  ) {
    super(403, "insufficient_scope", `the token lacks the scope "${scope}"${needed ? ` ${needed}` : ""}`, {
      "WWW-Authenticate": `Bearer realm="bastion", error="insufficient_scope", scope="${scope}"`,
    });
  }
}

/** 503: tokens cannot be verified now (no trusted keys could be had); nothing is let through. */
export class AuthUnavailable extends BastionError {
  constructor(message: string) {
    super(503, "auth_unavailable", message, { "Retry-After": "5" });
  }
}

/** 503: token verification is not configured correctly; protected routes stay closed. */
export class AuthNotConfigured extends BastionError {
  constructor(message: string) {
    super(503, "auth_not_configured", message);
  }
}

/** 429: over the limit. */
export class RateLimited extends BastionError {
  constructor(headers: Record<string, string>, scope: "ip" | "principal" | "reads") {
    const what = { ip: "from this address", principal: "for this function", reads: "of metadata" }[scope];
    super(429, "rate_limited", `too many requests ${what}; retry after ${headers["Retry-After"]} s`, headers);
  }
}

/** 503: the limiter's backend failed or was too slow, and the policy is to fail closed. */
export class RateLimitUnavailable extends BastionError {
  constructor() {
    super(503, "rate_limit_unavailable", "the rate limiter is unavailable; retry shortly", { "Retry-After": "1" });
  }
}

/** 503: a malformed RATE_LIMITS closes the limited routes, like any other unsafe setting. */
export class RateLimitNotConfigured extends BastionError {
  constructor(message: string) {
    super(503, "rate_limit_not_configured", message);
  }
}

/**
 * 429: this principal's queries look like probing or model extraction (src/probing). No
 * `Retry-After`: waiting does not help, and a client that retried would only add strikes.
 */
export class ProbingSuspected extends BastionError {
  constructor() {
    super(429, "probing_suspected", "these queries look like probing the model; answers are withheld");
  }
}

/** 403: the principal kept probing after refusals and is stopped for this function until an operator clears it. */
export class PrincipalStopped extends BastionError {
  constructor() {
    super(403, "principal_stopped", "stopped for probing the model; an operator must clear it");
  }
}

/** 503: the probing monitor cannot be reached and the function watches for probing closed. */
/** 503: an operator stopped the function, for everyone or for this principal (src/governance/controls). */
export class FunctionStopped extends BastionError {
  constructor(publicReason: string) {
    super(503, "function_stopped", publicReason);
  }
}

/** 503: the function's controls cannot be read and none were read before: a stop switch fails closed. */
export class FunctionControlsUnavailable extends BastionError {
  constructor() {
    super(503, "function_controls_unavailable", "the function's operator controls cannot be read", {
      "Retry-After": "1",
    });
  }
}

export class ProbingUnavailable extends BastionError {
  constructor(message: string) {
    super(503, "probing_unavailable", message, { "Retry-After": "1" });
  }
}

/** 503: the store of subjects' keys or privacy budgets (src/privacy) cannot be reached or is not configured. */
export class PrivacyStoreUnavailable extends BastionError {
  constructor(message: string) {
    super(503, "privacy_store_unavailable", message, { "Retry-After": "1" });
  }
}

/** 429: the tenant's privacy budget for usage statistics is spent until the period renews. */
export class PrivacyBudgetExhausted extends BastionError {
  constructor(retryAfterSeconds: number, renews: string) {
    super(429, "privacy_budget_exhausted", `the privacy budget for usage statistics is spent until ${renews}`, {
      "Retry-After": String(retryAfterSeconds),
    });
  }
}

/** 503: USAGE_STATISTICS is set but not valid settings. */
export class UsageStatisticsNotConfigured extends BastionError {
  constructor(message: string) {
    super(503, "usage_statistics_not_configured", message);
  }
}

/** 503: `CORS_ORIGINS` is set but not a list of exact origins. */
export class CorsNotConfigured extends BastionError {
  constructor(message: string) {
    super(503, "cors_not_configured", message);
  }
}

/** 503: auditing is on but its queue or pepper is missing; nothing is served unaudited. */
export class AuditNotConfigured extends BastionError {
  constructor(missing: string) {
    super(503, "audit_not_configured", `auditing is on but ${missing} is not configured`);
  }
}

/** 503: a malformed RELEASE_POLICIES closes inference, rather than release more than configured. */
export class ReleasePolicyNotConfigured extends BastionError {
  constructor(message: string) {
    super(503, "release_policy_not_configured", message);
  }
}

/** 503: recurrent state cannot be sealed (STATE_KEY missing or malformed), so it is not released at all. */
export class StateKeyNotConfigured extends BastionError {
  constructor(message: string) {
    super(503, "state_key_not_configured", message);
  }
}

/** 400: a sealed state that is not this caller's for this function, altered, expired or malformed. */
export class InvalidState extends InvalidInput {
  constructor(message: string) {
    super("invalid_state", message);
  }
}

/**
 * 400: a Fernet-sealed field did not open (src/privacy/sealing). One message whatever failed (key,
 * MAC, age, clock skew, padding, plaintext), so the answer is no oracle for a forger.
 */
export class InvalidFernetToken extends InvalidInput {
  constructor() {
    super("invalid_fernet_token", "invalid Fernet token");
  }
}

/** 503: a request seals or asks for sealing, and FERNET_KEYS is missing or malformed. */
export class FernetNotConfigured extends BastionError {
  constructor(message: string) {
    super(503, "fernet_not_configured", message);
  }
}

/** 400: the request asks for a response seal this deployment does not make. */
export class UnsupportedSeal extends InvalidInput {
  constructor(message: string) {
    super("unsupported_seal", message);
  }
}
