/**
 * Reading request bodies: the content type is checked before a byte is read, the size is capped
 * per function while streaming (Hono's bodyLimit), and JSON that does not parse is a 400.
 */
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { z } from "zod";
import type { AppEnv } from "../env";
import { InvalidInput, PayloadTooLarge, UnsupportedMediaType } from "../errors";

/** Middleware: refuse bodies over the addressed function's `maxBodyBytes` with 413. */
export const limitBodyToFunction = (c: Context<AppEnv>, next: () => Promise<void>) =>
  bodyLimit({
    maxSize: c.var.fn.maxBodyBytes,
    onError: () => {
      throw new PayloadTooLarge(c.var.fn.maxBodyBytes);
    },
  })(c, next);

export function mediaType(c: Context): string | undefined {
  return c.req.header("content-type")?.split(";")[0].trim().toLowerCase() || undefined;
}

export function requireJson(c: Context) {
  if (mediaType(c) !== "application/json") throw new UnsupportedMediaType("application/json");
}

export async function readJson(c: Context): Promise<unknown> {
  try {
    return JSON.parse(await c.req.text());
  } catch (error) {
    if (error instanceof SyntaxError) throw new InvalidInput("invalid_json", "body is not valid JSON");
    throw error;
  }
}

/** Validates with a zod schema; the message names the first offending field. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, code = "invalid_request"): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue.path.length ? issue.path.join(".") : "body";
  throw new InvalidInput(code, `${where}: ${issue.message}`);
}
