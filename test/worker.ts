/**
 * The test's view of the local worker: the bundle global-setup built, fresh model keys, a trusted
 * token issuer, and a `fetch` that calls as a caller holding every scope (`infer:raw` too) unless
 * the request brings its own Authorization header (or `anonymous` is set).
 */
import { execFile } from "node:child_process";
import { request as httpRequest } from "node:http";
import { promisify } from "node:util";
import { inject } from "vitest";
import { base64url } from "../src/models/base64url";
import { generateKeyJwk, type KeyJwk } from "../src/models/keyring";
import { type LocalWorker, type LocalWorkerOptions, startLocalWorker } from "../tools/local-worker";
import { authVars, makeKey, sign, type TestKey } from "./tokens";

export interface TestWorker extends LocalWorker {
  /** Without any Authorization header. */
  anonymous(path: string, init?: RequestInit): Promise<Response>;
}

export function keySet(...jwks: KeyJwk[]): string {
  return JSON.stringify({ keys: jwks });
}

export const freshKeySet = (kid = "test-key") => keySet(generateKeyJwk(kid));

const secretKey = () => base64url.encode(crypto.getRandomValues(new Uint8Array(32)));

/** Fresh audit secrets per test file (none is committed). */
export const auditSecrets = { AUDIT_PEPPER: secretKey(), AUDIT_SIGNING_KEY: secretKey() };

/** A fresh key for sealed state per test file. */
export const stateKey = { STATE_KEY: secretKey() };

/**
 * Settings that release every score in full to callers without a tier claim (tier `default`), for
 * tests that compare outputs with onnxruntime-node.
 */
export const FULL_RELEASE = { RELEASE_POLICIES: JSON.stringify({ tiers: { default: { "*": { name: "full" } } } }) };

/** Every scope there is: calls, reads, and raw OIP outputs. */
export const EVERY_SCOPE = "infer:* infer:raw models:read";

let issuerKey: Promise<TestKey> | undefined;
/** The key the default test issuer signs with (one per test file). */
export function testIssuerKey(): Promise<TestKey> {
  issuerKey ??= makeKey("ES256");
  return issuerKey;
}

export async function tokenWithScopes(scope: string, claims: Record<string, unknown> = {}): Promise<string> {
  return sign(await testIssuerKey(), { claims: { scope, ...claims } });
}

/**
 * Starts the worker. `modelKeys` defaults to a fresh key set (pass `undefined` explicitly to leave
 * the secret unset); the models are encrypted into R2 with `seedWith`, by default the same keys.
 * Token verification trusts the test issuer unless `vars` say otherwise.
 */
export async function startWorker(options: Partial<Omit<LocalWorkerOptions, "bundle">> = {}): Promise<TestWorker> {
  const modelKeys = "modelKeys" in options ? options.modelKeys : freshKeySet();
  const worker = await startLocalWorker({
    ...options,
    bundle: inject("workerBundle"),
    modelKeys,
    seedWith: options.seedWith ?? modelKeys,
    vars: { ...authVars([await testIssuerKey()]), ...auditSecrets, ...stateKey, ...options.vars },
  });
  const everything = await tokenWithScopes(EVERY_SCOPE);
  return {
    ...worker,
    fetch: (path, init = {}) => {
      const headers = new Headers(init.headers);
      if (!headers.has("authorization")) headers.set("authorization", `Bearer ${everything}`);
      return worker.fetch(path, { ...init, headers });
    },
    anonymous: (path, init) => worker.fetch(path, init),
  };
}

export function postJson(worker: TestWorker, p: string, body: unknown, headers: Record<string, string> = {}) {
  return worker.fetch(p, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

/**
 * A POST on a connection of its own, closed afterwards: for bodies the worker refuses before
 * reading them, after which workerd drops the connection rather than drain it.
 */
export async function requestOnce(
  worker: TestWorker,
  path: string,
  headers: Record<string, string>,
  body: string,
): Promise<Response> {
  const authorization = `Bearer ${await tokenWithScopes(EVERY_SCOPE)}`;
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      new URL(path, worker.url),
      { method: "POST", agent: false, headers: { authorization, ...headers } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(response.headers))
            if (typeof value === "string") responseHeaders.set(name, value);
          resolve(new Response(Buffer.concat(chunks), { status: response.statusCode, headers: responseHeaders }));
        });
      },
    );
    // The worker may answer and close before the whole body is written.
    request.on("error", (error: NodeJS.ErrnoException) =>
      error.code === "EPIPE" || error.code === "ECONNRESET" ? undefined : reject(error),
    );
    request.end(body);
  });
}

/**
 * Runs an operator's CLI (`tools/<tool>.ts`) against the worker, as operator-ann with `scope`
 * (default `admin`); rejects, with the CLI's stderr and exit code, when it fails.
 */
export async function operatorCli(worker: TestWorker, tool: "ops" | "models", args: string[], scope = "admin") {
  const token = await tokenWithScopes(scope, { sub: "operator-ann" });
  const argv = ["--import", "tsx", `tools/${tool}.ts`, ...args, "--base", worker.url.href, "--token", token];
  return promisify(execFile)(process.execPath, argv);
}
