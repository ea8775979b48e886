/**
 * Sends a request with the caller's token and returns the successful answer, or throws a
 * `BastionClientError`. Retries what `retry.ts` says may be retried, within the attempts and the
 * time budget; on `401 invalid_token` asks a token provider once for a fresh token.
 */
import { BastionClientError } from "./errors";
import { type Attempt, type Exchange, exchangeOnce } from "./exchange";
import {
  abortedError,
  DEFAULT_RETRY,
  parseRetryAfter,
  type RetryOptions,
  sleep,
  waitAfterConnectionFailure,
  waitForAnswer,
} from "./retry";

/**
 * A bearer token, or a function that gives one: called for every request, and with
 * `{ refresh: true }` once after the server refused a token, so a provider that caches tokens
 * knows to fetch a new one.
 */
export type TokenProvider = (context: { refresh: boolean }) => Promise<string> | string;

export interface TransportOptions {
  /** Where Bastion is, e.g. `https://bastion.example.com`. */
  baseUrl: string;
  token: string | TokenProvider;
  /** A fetch implementation to use instead of the global one. */
  fetch?: typeof fetch;
  /** Each attempt's budget for the whole answer, in ms. Default 30,000. */
  timeoutMs?: number;
  retry?: RetryOptions;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface Outgoing {
  method: "GET" | "POST";
  /** Path below `baseUrl`, e.g. `/v1/functions/vad`. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
  retry?: RetryOptions;
}

export type Send = (request: Outgoing, call?: CallOptions) => Promise<Exchange>;

const DEFAULT_TIMEOUT_MS = 30_000;

export function createTransport(options: TransportOptions): Send {
  // Bound: browsers refuse a `fetch` called detached from `window` ("Illegal invocation").
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const { token } = options;
  const tokenFor = async (refresh: boolean) => (typeof token === "string" ? token : token({ refresh }));

  return async (request, { signal } = {}) => {
    const { attempts, maxElapsedMs } = { ...DEFAULT_RETRY, ...options.retry, ...request.retry };
    const started = Date.now();
    let refreshed = false;
    let refreshNow = false;
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw abortedError(attempt - 1);
      const headers = { ...request.headers, authorization: `Bearer ${await tokenFor(refreshNow)}` };
      refreshNow = false;
      const init: RequestInit = { method: request.method, headers, body: request.body };
      const outcome = await exchangeOnce(fetchImpl, baseUrl + request.path, init, timeoutMs, attempt, signal);
      const failure = "failure" in outcome ? outcome.failure : answerError(outcome.exchange, attempt);
      if (!failure) return (outcome as { exchange: Exchange }).exchange;
      if (failure.status === 401 && failure.code === "invalid_token" && typeof token !== "string" && !refreshed) {
        // A fresh token is not a retry of a transient failure: it does not use up an attempt.
        refreshed = refreshNow = true;
        attempt--;
        continue;
      }
      const wait = waitBeforeRetry(outcome, failure, attempt, signal);
      if (wait === undefined || attempt >= attempts || Date.now() - started + wait > maxElapsedMs) throw failure;
      await sleep(wait, signal);
    }
  };
}

function waitBeforeRetry(
  outcome: Attempt,
  failure: BastionClientError,
  attempt: number,
  signal?: AbortSignal,
): number | undefined {
  if (signal?.aborted) return undefined;
  if ("failure" in outcome) return outcome.beforeAnswer ? waitAfterConnectionFailure(attempt) : undefined;
  return waitForAnswer(outcome.exchange.status, failure.retryAfter);
}

/** The error an unsuccessful answer stands for, from Bastion's `{error, code, request_id}` body. */
function answerError({ status, headers, body }: Exchange, attempt: number): BastionClientError | undefined {
  if (status >= 200 && status < 300) return undefined;
  let parsed: { error?: unknown; code?: unknown; request_id?: unknown } = {};
  try {
    parsed = JSON.parse(new TextDecoder().decode(body)) ?? {};
  } catch {
    // Not Bastion's error body (a proxy's page, say): the status still says what happened.
  }
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  return new BastionClientError(text(parsed.error) ?? `HTTP ${status}`, {
    status,
    code: text(parsed.code) ?? `http_${status}`,
    requestId: text(parsed.request_id) ?? headers.get("x-request-id") ?? undefined,
    retryAfter: parseRetryAfter(headers.get("retry-after")),
    attempts: attempt,
  });
}
