/** The test's view of the local worker: the bundle global-setup built, and fresh keys by default. */
import { inject } from "vitest";
import { generateKeyJwk, type KeyJwk } from "../src/models/keyring";
import { type LocalWorker, type LocalWorkerOptions, startLocalWorker } from "../tools/local-worker";

export type TestWorker = LocalWorker;

export function keySet(...jwks: KeyJwk[]): string {
  return JSON.stringify({ keys: jwks });
}

export const freshKeySet = (kid = "test-key") => keySet(generateKeyJwk(kid));

/**
 * Starts the worker. `modelKeys` defaults to a fresh key set (pass `undefined` explicitly to leave
 * the secret unset); the models are encrypted into R2 with `seedWith`, by default the same keys.
 */
export function startWorker(options: Partial<Omit<LocalWorkerOptions, "bundle">> = {}): Promise<TestWorker> {
  const modelKeys = "modelKeys" in options ? options.modelKeys : freshKeySet();
  return startLocalWorker({
    ...options,
    bundle: inject("workerBundle"),
    modelKeys,
    seedWith: options.seedWith ?? modelKeys,
  });
}

export function postJson(worker: TestWorker, p: string, body: unknown, headers: Record<string, string> = {}) {
  return worker.fetch(p, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}
