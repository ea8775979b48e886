/**
 * One attempt: a request and its whole answer, read within `timeoutMs`, abortable by the caller.
 * A failure says whether it happened before any answer arrived, the only kind worth retrying.
 */
import { BastionClientError, CLIENT_ERROR_CODES } from "./errors";
import { abortedError } from "./retry";

export interface Exchange {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

export type Attempt = { exchange: Exchange } | { failure: BastionClientError; beforeAnswer: boolean };

export async function exchangeOnce(
  fetchImpl: typeof fetch,
  url: string,
  init: RequestInit,
  timeoutMs: number,
  attempt: number,
  signal?: AbortSignal,
): Promise<Attempt> {
  // One controller for both the caller's signal and the timeout (AbortSignal.any is not everywhere yet).
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onAbort = () => controller.abort();
  if (signal?.aborted) controller.abort();
  signal?.addEventListener("abort", onAbort, { once: true });
  const failure = (code: string, cause: unknown) => {
    if (signal?.aborted) return abortedError(attempt);
    if (timedOut) code = CLIENT_ERROR_CODES.timeout;
    const what = timedOut ? `no complete answer within ${timeoutMs} ms` : `${code.replace("_", " ")}: ${cause}`;
    return new BastionClientError(what, { code, cause, attempts: attempt });
  };
  try {
    let response: Response;
    try {
      response = await fetchImpl(url, { ...init, signal: controller.signal });
    } catch (error) {
      return { failure: failure(CLIENT_ERROR_CODES.networkError, error), beforeAnswer: true };
    }
    try {
      const body = new Uint8Array(await response.arrayBuffer());
      return { exchange: { status: response.status, headers: response.headers, body } };
    } catch (error) {
      return { failure: failure(CLIENT_ERROR_CODES.responseInterrupted, error), beforeAnswer: false };
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}
