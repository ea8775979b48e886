/**
 * Failures, as the page shows them: what was being done, and for the client's errors the status,
 * the code and the request id (what to quote to whoever runs the worker).
 */
import { BastionClientError } from "../../src/client";

export function describeError(action: string, error: unknown): string {
  if (error instanceof BastionClientError) {
    const parts = [
      error.status === undefined ? undefined : String(error.status),
      error.code,
      error.requestId === undefined ? undefined : `request id ${error.requestId}`,
    ].filter(Boolean);
    return `${action}: ${parts.join(" · ")}: ${error.message}`;
  }
  return `${action}: ${error instanceof Error ? error.message : String(error)}`;
}

export function showError(list: HTMLOListElement, action: string, error: unknown): void {
  const item = document.createElement("li");
  if (error instanceof BastionClientError) {
    item.dataset.code = error.code;
    if (error.status !== undefined) item.dataset.status = String(error.status);
    if (error.requestId !== undefined) item.dataset.requestId = error.requestId;
  }
  item.textContent = describeError(action, error);
  list.append(item);
}
