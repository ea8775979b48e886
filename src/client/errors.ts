/**
 * Every failure the client reports is a `BastionClientError`: the server's own answer (`status`,
 * its `code` and request id), or one of the client's codes when there was no usable answer.
 */

/** Codes for failures that have no server answer behind them. */
export const CLIENT_ERROR_CODES = {
  /** No complete answer within `timeoutMs` (one attempt's budget). */
  timeout: "timeout",
  /** The caller's `AbortSignal` fired. */
  aborted: "aborted",
  /** The request never got an answer: DNS, refused or dropped connection, CORS refusal... */
  networkError: "network_error",
  /** An answer began to arrive and then broke off. */
  responseInterrupted: "response_interrupted",
  /** The answer arrived but is not what the protocol says it should be. */
  invalidResponse: "invalid_response",
} as const;

export interface BastionClientErrorDetails {
  code: string;
  /** The HTTP status, when the server answered. */
  status?: number;
  /** The server's id for the request (`request_id` in the body, or `X-Request-Id`): quote it to support. */
  requestId?: string;
  /** Seconds the server asked to wait (`Retry-After`), when it said. */
  retryAfter?: number;
  /** How many requests were sent before giving up. */
  attempts?: number;
  cause?: unknown;
}

export class BastionClientError extends Error {
  readonly code: string;
  readonly status?: number;
  readonly requestId?: string;
  readonly retryAfter?: number;
  readonly attempts?: number;

  constructor(message: string, details: BastionClientErrorDetails) {
    super(message, { cause: details.cause });
    this.name = "BastionClientError";
    this.code = details.code;
    this.status = details.status;
    this.requestId = details.requestId;
    this.retryAfter = details.retryAfter;
    this.attempts = details.attempts;
  }
}
