/**
 * Every failure a caller can see is a `BastionError`: an HTTP status, a stable machine-readable
 * `code`, and a message written for the caller. Anything else that escapes is an internal error
 * whose details stay in the worker's log.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";

export class BastionError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    /** Seconds after which retrying may succeed (sent as `Retry-After`). */
    readonly retryAfter?: number,
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

/** 503: the model's key-encryption key is missing or cannot open the model's data key. */
export class ModelKeyUnavailable extends BastionError {
  constructor(message: string, retryAfter = MODEL_RETRY_AFTER_SECONDS) {
    super(503, "model_key_unavailable", message, retryAfter);
  }
}

/** 503: the stored artifact failed authentication or its digest differs from the manifest. */
export class ModelIntegrityFailed extends BastionError {
  constructor(message: string, retryAfter = MODEL_RETRY_AFTER_SECONDS) {
    super(503, "model_integrity_failed", message, retryAfter);
  }
}

/** 503: the artifact is missing from storage or could not be read or started. */
export class ModelUnavailable extends BastionError {
  constructor(message: string, retryAfter = MODEL_RETRY_AFTER_SECONDS) {
    super(503, "model_unavailable", message, retryAfter);
  }
}

/** The body every error response carries. */
export interface ErrorBody {
  error: string;
  code: string;
  request_id?: string;
}
