/**
 * Fernet-protected fields on `POST /v1/functions/{name}`, in two halves:
 *
 * - `openFields`: any top-level field of the JSON input may arrive as `{"fernet": "<token>"}`, the
 *   token's plaintext being the value as JSON text (what a pipeline's
 *   `Fernet(key).encrypt(json.dumps(value).encode())` makes). Each is opened in memory, under the
 *   function's ttl, before the function's schema sees the input, so an opened value gets the same
 *   validation and errors as a plain one. Any failure (key, MAC, age, padding, UTF-8, JSON) is one
 *   400 `invalid_fernet_token` with one message. A token cannot exceed the function's body limit,
 *   which is read before this runs, so the work stays bounded.
 * - `refuseSeal`: elsewhere (OIP), any `Bastion-Seal` is a 400 `unsupported_seal`, never a clear answer.
 * - `sealResponse`: `Bastion-Seal: fernet` seals a successful answer under the current key
 *   (`application/fernet`, the JSON answer as plaintext); errors stay plain JSON. The key is checked
 *   before inference, so a caller who cannot get a sealed answer gets no answer at all.
 *
 * The audit event records which fields arrived sealed and whether the answer was sealed
 * (`c.get("sealed")`), never a token or what it held.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { z } from "zod";
import type { AppEnv } from "../../env";
import { InvalidFernetToken, InvalidInput, UnsupportedSeal } from "../../errors";
import { parseJson } from "../../request/body";
import { decryptFernet, encryptFernet, FernetError, type FernetKeyring } from "../fernet";
import { fernetKeyring } from "./keyring";

export const SEAL_HEADER = "Bastion-Seal";
export const SEALED_MEDIA_TYPE = "application/fernet";

export function fernetSealing() {
  const keyring = fernetKeyring();

  const sealResponse = createMiddleware<AppEnv>(async (c, next) => {
    const seal = c.req.header(SEAL_HEADER);
    if (seal === undefined) return next();
    if (seal.trim().toLowerCase() !== "fernet") throw new UnsupportedSeal(`${SEAL_HEADER} must be fernet`);
    const keys = await keyring(c.env);
    await next();
    if (c.res.status !== 200 || c.error) return;
    const token = await encryptFernet(keys, new Uint8Array(await c.res.arrayBuffer()));
    const headers = new Headers(c.res.headers);
    headers.set("content-type", SEALED_MEDIA_TYPE);
    headers.delete("content-length");
    // Unset first: Hono's setter would carry the old headers over the new content type.
    c.res = undefined;
    c.res = new Response(token, { status: 200, headers });
    c.set("sealed", { fields: c.get("sealed")?.fields ?? [], response: true });
  });

  /** `body` with its sealed top-level fields opened; anything else passes unchanged. */
  async function openFields(c: Context<AppEnv>, body: unknown): Promise<unknown> {
    if (typeof body !== "object" || body === null || Array.isArray(body)) return body;
    const entries = Object.entries(body);
    const fields = entries.filter(([, value]) => isSealed(value)).map(([name]) => name);
    if (fields.length === 0) return body;
    c.set("sealed", { fields, response: false });
    const keys = await keyring(c.env);
    const { ttlSeconds } = c.get("fn").fernet;
    // fromEntries defines each field as its own property, even one named "__proto__".
    return Object.fromEntries(
      await Promise.all(
        entries.map(async ([name, value]) =>
          isSealed(value) ? [name, await openField(keys, value.fernet, ttlSeconds)] : [name, value],
        ),
      ),
    );
  }

  return { sealResponse, openFields, refuseSeal };
}

/**
 * Where no sealed answer is offered (the OIP routes), asking for one is refused rather than
 * answered in the clear: a caller who asked for a seal must never get less without knowing.
 */
const refuseSeal = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.header(SEAL_HEADER) !== undefined)
    throw new UnsupportedSeal(`${SEAL_HEADER} is offered on POST /v1/functions/{name} only`);
  await next();
});

/** A field is sealed when it is an object whose only key is `fernet`. */
function isSealed(value: unknown): value is { fernet: unknown } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === "fernet";
}

async function openField(keys: FernetKeyring, token: unknown, ttl: number): Promise<unknown> {
  try {
    if (typeof token !== "string") throw new InvalidFernetToken();
    const plaintext = await decryptFernet(keys, token, { ttl });
    return parseJson(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(plaintext), "sealed field");
  } catch (error) {
    // One answer whatever failed: naming the check would tell a forger which one they passed.
    if (error instanceof FernetError || error instanceof InvalidInput || error instanceof TypeError)
      throw new InvalidFernetToken();
    throw error;
  }
}

/** A sealed field as the OpenAPI document describes it (`isSealed` decides what is one). */
export const sealedFieldSchema = z
  .object({
    fernet: z
      .string()
      .describe(
        "a Fernet token under a key of FERNET_KEYS whose plaintext is the field's value as JSON text (UTF-8): " +
          "Python's `Fernet(key).encrypt(json.dumps(value).encode())`",
      ),
  })
  .strict()
  .describe("a Fernet-sealed field, opened in memory and then validated as the plain value would be");
