/**
 * Reading request bodies: the content type is checked before a byte is read, the size is capped
 * per function while streaming, and JSON that does not parse is a 400.
 *
 * Hono's bodyLimit is not used: on an oversize chunked body it returns with the body's reader
 * still open, and through `wrangler dev` the connection's next request then hangs. Here every
 * refused body is drained, a body the client abandons is told apart from our own faults, and the
 * bytes read are handed on as they are (`requestBody`), not copied into another Request.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { z } from "zod";
import type { AppEnv } from "../env";
import { ClientClosedRequest, InvalidInput, PayloadTooLarge, UnsupportedMediaType } from "../errors";

/**
 * Middleware: reads the whole body, at most `limit` bytes (413 beyond, whether declared by
 * Content-Length or found while streaming), so that later steps read memory (`requestBody`),
 * never the network.
 */
export const limitBody = (limit: (c: Context<AppEnv>) => number) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const maxBytes = limit(c);
    const declared = Number(c.req.header("content-length") ?? Number.NaN);
    // Refused unread; `discardUnreadBody` drains it before the answer.
    if (declared > maxBytes) throw new PayloadTooLarge(maxBytes);
    const body = c.req.raw.body;
    c.set("body", body ? await readAtMost(body, maxBytes, declared) : new Uint8Array(0));
    await next();
  });

/** The addressed function's `maxBodyBytes`. */
export const limitBodyToFunction = limitBody((c) => c.get("fn").maxBodyBytes);

/** The body `limitBodyToFunction` read. */
export function requestBody(c: Context<AppEnv>): Uint8Array {
  const body = c.get("body");
  if (!body) throw new Error("the route reads its body without limitBodyToFunction");
  return body;
}

async function readAtMost(body: ReadableStream<Uint8Array>, maxBytes: number, declared: number): Promise<Uint8Array> {
  const reader = body.getReader();
  // Sized by Content-Length when there is one, so the buffer is never regrown and copied.
  let buffer = new Uint8Array(declared >= 0 ? declared : Math.min(maxBytes, 64 * 1024));
  let size = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch {
      throw new ClientClosedRequest();
    }
    if (chunk.done) return buffer.subarray(0, size);
    if (size + chunk.value.byteLength > maxBytes) {
      await discardRest(reader);
      throw new PayloadTooLarge(maxBytes);
    }
    if (size + chunk.value.byteLength > buffer.byteLength) {
      const grown = new Uint8Array(Math.min(maxBytes, Math.max(size + chunk.value.byteLength, buffer.byteLength * 2)));
      grown.set(buffer.subarray(0, size));
      buffer = grown;
    }
    buffer.set(chunk.value, size);
    size += chunk.value.byteLength;
  }
}

/** What is read of a refused body before the connection is given up (the largest body limit). */
const MAX_DISCARDED_BYTES = 16 * 1024 * 1024;

/**
 * Reads and drops what is left of a refused body, up to `limit` more bytes, then cancels. A body
 * cancelled unread leaves its connection stuck behind `wrangler dev`'s proxy (the client's next
 * request on it hangs); drained, the connection serves on.
 */
async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>, limit = MAX_DISCARDED_BYTES) {
  let discarded = 0;
  try {
    while (discarded <= limit) {
      const { done, value } = await reader.read();
      if (done) return;
      discarded += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // the client went away: nothing left to drain
  }
}

/**
 * Middleware: after the response, drains a body nobody read (a request refused before its body
 * mattered, such as a 401, or a 413 by its Content-Length), so the connection is free for the
 * client's next request.
 */
export const discardUnreadBody = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const body = c.req.raw.body;
  if (body && !body.locked && !c.req.raw.bodyUsed) await discardRest(body.getReader());
});

export function mediaType(c: Context): string | undefined {
  return c.req.header("content-type")?.split(";")[0].trim().toLowerCase() || undefined;
}

export function requireJson(c: Context) {
  if (mediaType(c) !== "application/json") throw new UnsupportedMediaType("application/json");
}

export function readJson(c: Context<AppEnv>): unknown {
  return parseJson(new TextDecoder().decode(requestBody(c)), "body");
}

/** Deeper than any request needs (an OIP tensor nests at most 8 levels inside 3). */
export const MAX_JSON_DEPTH = 32;

/**
 * JSON.parse, after one pass that refuses nesting deeper than MAX_JSON_DEPTH: 16 MiB of `[` is
 * valid JSON that V8 would build into 8 million nested arrays, several hundred MB, well past a
 * 128 MB isolate.
 */
export function parseJson(text: string, what: string): unknown {
  if (mayNestTooDeep(text)) checkDepth(text, what);
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidInput("invalid_json", `${what} is not valid JSON`);
  }
}

/**
 * Whether `text` holds more than MAX_JSON_DEPTH brackets and braces, quoted or not: with no more,
 * nothing can nest deeper, and the character-by-character pass is skipped (a vad body has two).
 * indexOf runs natively, several times faster than that pass.
 */
function mayNestTooDeep(text: string): boolean {
  let openers = 0;
  for (const opener of ["[", "{"]) {
    for (let i = text.indexOf(opener); i >= 0; i = text.indexOf(opener, i + 1))
      if (++openers > MAX_JSON_DEPTH) return true;
  }
  return false;
}

function checkDepth(text: string, what: string) {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c)
        i++; // backslash: skip the escaped character
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x5b || char === 0x7b) {
      if (++depth > MAX_JSON_DEPTH)
        throw new InvalidInput("invalid_json", `${what} nests deeper than ${MAX_JSON_DEPTH} levels`);
    } else if (char === 0x5d || char === 0x7d) depth--;
  }
}

/**
 * Validates with a zod schema; the message names the first offending field. A schema may give an
 * issue its own error code (`params.code`, e.g. `invalid_image`); otherwise `code` is used.
 */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, code = "invalid_request"): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = firstLeafIssue(result.error.issues[0]);
  const where = issue.path.length ? issue.path.join(".") : "body";
  const own = (issue as { params?: { code?: unknown } }).params?.code;
  throw new InvalidInput(typeof own === "string" ? own : code, `${where}: ${issue.message}`);
}

/**
 * For a union that no branch matched, the issue of the branch that got furthest (the one whose
 * first issue has the longest path), so the caller hears "tensor.3: expected number", not
 * "invalid input".
 */
function firstLeafIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== "invalid_union" || issue.errors.length === 0) return issue;
  const candidates = issue.errors.filter((branch) => branch.length > 0).map((branch) => branch[0]);
  const best = candidates.reduce((a, b) => (b.path.length > a.path.length ? b : a), candidates[0]);
  return best ? firstLeafIssue({ ...best, path: [...issue.path, ...best.path] }) : issue;
}
