/**
 * Requests as the fuzz suite and the benchmark send them, and what every answer must be: a 2xx,
 * or a 4xx with `{"error", "code"}`; never a 5xx. The corpus (`corpus/*.json`) keeps requests
 * that once failed, replayed before anything new is tried; `npm run fuzz` adds what it finds.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface FuzzRequest {
  method: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  /** The body as text, or `bodyBase64` for bytes. */
  body?: string;
  bodyBase64?: string;
}

export interface CorpusEntry {
  /** What the request once did wrong, and when it was found. */
  found: string;
  request: FuzzRequest;
}

export const CORPUS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "corpus");

/**
 * The corpus. A body may be written compactly as JSON with `{"$repeat": [value, count]}` standing
 * for an array of `count` copies (a 150,000-element array is one line, not 600 KB).
 */
export function readCorpus(): (CorpusEntry & { file: string })[] {
  return readdirSync(CORPUS_DIR)
    .filter((file) => file.endsWith(".json"))
    .sort()
    .map((file) => {
      const entry = JSON.parse(readFileSync(path.join(CORPUS_DIR, file), "utf8")) as CorpusEntry & { json?: unknown };
      const request = { ...entry.request } as FuzzRequest & { json?: unknown };
      if (request.json !== undefined) {
        request.body = JSON.stringify(expandRepeats(request.json));
        delete request.json;
      }
      return { file, found: entry.found, request };
    });
}

function expandRepeats(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(expandRepeats);
  if (value === null || typeof value !== "object") return value;
  const repeat = (value as { $repeat?: [unknown, number] }).$repeat;
  if (repeat) return new Array(repeat[1]).fill(expandRepeats(repeat[0]));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandRepeats(v)]));
}

/** Saves a request that failed, for every later run to replay. */
export function recordFailure(request: FuzzRequest, found: string): string {
  const file = path.join(CORPUS_DIR, `found-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, `${JSON.stringify({ found, request } satisfies CorpusEntry, null, 2)}\n`);
  return file;
}

export interface Answer {
  status: number;
  body: unknown;
  ms: number;
}

/** Sends `request` through `fetch` (a local worker's); a hang is cut off after `timeoutMs`. */
export async function send(
  fetch: (path: string, init: RequestInit) => Promise<Response>,
  request: FuzzRequest,
  authorization: string | undefined,
  timeoutMs = 30_000,
): Promise<Answer> {
  const headers = new Headers(request.headers);
  if (authorization && !headers.has("authorization")) headers.set("authorization", authorization);
  const started = performance.now();
  const response = await fetch(request.path, {
    method: request.method,
    headers,
    body: request.bodyBase64 !== undefined ? Buffer.from(request.bodyBase64, "base64") : request.body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  const ms = performance.now() - started;
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: reported by `problemWith`
  }
  return { status: response.status, body, ms };
}

/** What is wrong with an answer, or undefined when it is a 2xx or a well-formed 4xx. */
export function problemWith(answer: Answer): string | undefined {
  if (answer.status >= 500) return `answered ${answer.status}: ${JSON.stringify(answer.body)}`;
  if (answer.status < 400) return undefined;
  const { error, code } = (answer.body ?? {}) as { error?: unknown; code?: unknown };
  if (typeof error !== "string" || typeof code !== "string")
    return `answered ${answer.status} without {"error", "code"}: ${JSON.stringify(answer.body)}`;
  return undefined;
}
