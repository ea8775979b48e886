/**
 * When to try again, and how long to wait first. Only answers that say when to come back (429 or
 * 503 with `Retry-After`) and failures before any answer arrived are retried: an inference call is
 * a pure function of its input, so sending it twice is harmless.
 */
import { BastionClientError, CLIENT_ERROR_CODES } from "./errors";

export interface RetryOptions {
  /** Requests sent at most, the first included. Default 3; 1 never retries. */
  attempts?: number;
  /** No wait may end later than this many ms after the call began. Default 30,000. */
  maxElapsedMs?: number;
}

export const DEFAULT_RETRY: Required<RetryOptions> = { attempts: 3, maxElapsedMs: 30_000 };

/** Statuses that are retried when they say when (`Retry-After`): over a limit, or briefly unable. */
const RETRYABLE_STATUSES = new Set([429, 503]);
/** Clients refused at the same moment should not all come back at the same moment. */
const MAX_JITTER_MS = 500;
/** First wait after a failed connection; doubled each time. */
const CONNECTION_BACKOFF_MS = 250;

/** Seconds from `Retry-After`: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/** The wait the server asked for, plus jitter; undefined for an answer that is not retried. */
export function waitForAnswer(status: number, retryAfter: number | undefined): number | undefined {
  if (!RETRYABLE_STATUSES.has(status) || retryAfter === undefined) return undefined;
  return retryAfter * 1000 + Math.random() * MAX_JITTER_MS;
}

/** Exponential backoff with jitter after attempt `attempt` (1-based) failed to connect. */
export function waitAfterConnectionFailure(attempt: number): number {
  return CONNECTION_BACKOFF_MS * 2 ** (attempt - 1) + Math.random() * MAX_JITTER_MS;
}

/** Waits `ms`, or rejects as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export function abortedError(attempts?: number): BastionClientError {
  return new BastionClientError("the call was aborted", { code: CLIENT_ERROR_CODES.aborted, attempts });
}
