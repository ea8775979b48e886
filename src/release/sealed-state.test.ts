/**
 * Sealed state in Node's WebCrypto (the worker's is the same API): it opens only for the caller,
 * function and model it was sealed for, under the key it was sealed with, before it expires, and
 * not after any byte of it changed.
 */
import { describe, expect, it } from "vitest";
import type { Bindings } from "../env";
import { BastionError } from "../errors";
import { base64url } from "../models/base64url";
import { openState, type StateBinding, sealState } from "./sealed-state";
import { stateKey, stateSettingsProblem } from "./state-key";

const secret = () => base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
const env = (vars: Partial<Bindings>) => vars as Bindings;
const binding: StateBinding = {
  principal: "digest-of-alice",
  fn: "vad",
  model: { id: "silero-vad", version: "5", sha256: "a".repeat(64) },
};
const values = Float32Array.from({ length: 256 }, (_, i) => Math.sin(i) / 3);

async function refusal(opening: Promise<unknown>): Promise<BastionError> {
  const error = await opening.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BastionError);
  expect(error).toMatchObject({ status: 400, code: "invalid_state" });
  return error as BastionError;
}

describe("sealed state", () => {
  const key = stateKey(env({ STATE_KEY: secret() }));

  it("opens to the same floats, and never looks the same twice", async () => {
    const token = await sealState(await key, binding, values);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(await openState(await key, binding, token, 256)).toEqual(values);
    expect(await sealState(await key, binding, values)).not.toBe(token);
  });

  it("does not open for another principal, function or model", async () => {
    const token = await sealState(await key, binding, values);
    for (const other of [
      { ...binding, principal: "digest-of-bob" },
      { ...binding, fn: "vad-2" },
      { ...binding, model: { ...binding.model, version: "6" } },
      { ...binding, model: { ...binding.model, sha256: "b".repeat(64) } },
    ])
      expect((await refusal(openState(await key, other, token, 256))).message).toMatch(/not issued to this caller/);
  });

  it("does not open once any byte changed", async () => {
    const bytes = base64url.decode(await sealState(await key, binding, values));
    // Header (version, key id, expiry), salt, nonce, ciphertext and tag.
    for (const at of [0, 3, 12, 20, 40, 100, bytes.length - 1]) {
      const changed = bytes.slice();
      changed[at] ^= 0x01;
      await refusal(openState(await key, binding, base64url.encode(changed), 256));
    }
  });

  it("does not open when expired, nor under another key", async () => {
    const sealedAt = Date.now();
    const token = await sealState(await key, binding, values, sealedAt);
    expect(await openState(await key, binding, token, 256, sealedAt + 60_000)).toEqual(values);
    expect((await refusal(openState(await key, binding, token, 256, sealedAt + 60_001))).message).toMatch(/expired/);
    const otherKey = await stateKey(env({ STATE_KEY: secret() }));
    expect((await refusal(openState(otherKey, binding, token, 256))).message).toMatch(/another key|no longer/);
  });

  it("refuses what is not a token", async () => {
    const token = await sealState(await key, binding, values);
    for (const malformed of [
      "",
      "not a token!",
      token.slice(0, -4),
      `${token}AAAA`,
      base64url.encode(new Uint8Array(1085).fill(0x78)),
    ])
      expect((await refusal(openState(await key, binding, malformed, 256))).message).toMatch(/not a state token/);
    // The right length of state, for the wrong length of floats.
    await refusal(openState(await key, binding, token, 128));
  });

  it("needs a STATE_KEY of at least 32 bytes of base64url, and a sane lifetime", async () => {
    expect(stateSettingsProblem({})).toMatch(/not set/);
    expect(stateSettingsProblem({ STATE_KEY: "c2hvcnQ" })).toMatch(/shorter than 32 bytes/);
    expect(stateSettingsProblem({ STATE_KEY: `${secret()}=` })).toMatch(/not base64url/);
    expect(stateSettingsProblem({ STATE_KEY: secret(), STATE_LIFETIME_SECONDS: "0" })).toMatch(
      /STATE_LIFETIME_SECONDS/,
    );
    expect(stateSettingsProblem({ STATE_KEY: secret(), STATE_LIFETIME_SECONDS: "2" })).toBeUndefined();
    await expect(stateKey(env({}))).rejects.toMatchObject({ status: 503, code: "state_key_not_configured" });
    expect((await stateKey(env({ STATE_KEY: secret(), STATE_LIFETIME_SECONDS: "2" }))).lifetimeMs).toBe(2000);
  });
});
