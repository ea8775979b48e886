import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  ciphertextLength,
  decryptModel,
  encryptModel,
  type ModelIdentity,
  parseEnvelope,
  rewrapDataKey,
} from "./envelope";
import { generateKeyJwk, importKeyring } from "./keyring";

const keyring = (kid = "k1") =>
  importKeyring(JSON.stringify({ keys: [generateKeyJwk(kid)] }), ["wrapKey", "unwrapKey"]);

function model(bytes: number): { plaintext: Uint8Array; identity: ModelIdentity } {
  const plaintext = new Uint8Array(bytes).map((_, i) => (i * 31 + 7) & 0xff);
  const sha256 = createHash("sha256").update(plaintext).digest("hex");
  return { plaintext, identity: { id: "m", version: "1", sha256, bytes } };
}

/** Streams `bytes` in pieces of `piece` bytes, as R2 might. */
function stream(bytes: Uint8Array, piece = 7000): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + piece));
      offset += piece;
    },
  });
}

describe("envelope encryption", () => {
  it.each([1, 4096, 4097, 3 * 4096, 50_000])(
    "round-trips %i bytes in 4 KiB chunks, whatever the stream's pieces",
    async (size) => {
      const { plaintext, identity } = model(size);
      const { current } = await keyring();
      const { envelope, ciphertext } = await encryptModel(plaintext, identity, current, 4096);
      expect(ciphertext.byteLength).toBe(ciphertextLength(size, 4096));
      const opened = await decryptModel(
        parseEnvelope(JSON.stringify(envelope)),
        stream(ciphertext),
        identity,
        current.key,
      );
      expect(Buffer.from(opened).equals(Buffer.from(plaintext))).toBe(true);
    },
  );

  it("never writes the plaintext or the data key into the artifact", async () => {
    const { plaintext, identity } = model(20_000);
    const { envelope, ciphertext } = await encryptModel(plaintext, identity, (await keyring()).current, 4096);
    expect(Buffer.from(ciphertext).includes(Buffer.from(plaintext.subarray(100, 132)))).toBe(false);
    expect(Object.keys(envelope).sort()).toEqual(
      ["chunkBytes", "cipher", "format", "keyWrap", "kid", "model", "noncePrefix", "wrappedAt", "wrappedKey"].sort(),
    );
  });

  it("detects reordered, dropped and altered chunks, and a model it was not made for", async () => {
    const { plaintext, identity } = model(3 * 4096);
    const { current } = await keyring();
    const { envelope, ciphertext } = await encryptModel(plaintext, identity, current, 4096);
    const chunk = 4096 + 16;
    const swapped = new Uint8Array(ciphertext);
    swapped.set(ciphertext.subarray(chunk, 2 * chunk), 0);
    swapped.set(ciphertext.subarray(0, chunk), chunk);
    const attempts: [string, Uint8Array, ModelIdentity][] = [
      ["reordered", swapped, identity],
      ["last chunk dropped", ciphertext.subarray(0, 2 * chunk), identity],
      ["bit flipped", ciphertext.map((b, i) => (i === 5000 ? b ^ 1 : b)), identity],
      ["other version", ciphertext, { ...identity, version: "2" }],
    ];
    for (const [, bytes, expected] of attempts) {
      await expect(decryptModel(envelope, stream(bytes), expected, current.key)).rejects.toMatchObject({
        code: "model_integrity_failed",
      });
    }
  });

  it("re-wraps the data key for a new key without changing the ciphertext", async () => {
    const { plaintext, identity } = model(10_000);
    const old = await keyring("old");
    const next = await keyring("new");
    const { envelope, ciphertext } = await encryptModel(plaintext, identity, old.current, 4096);
    const rewrapped = await rewrapDataKey(envelope, old.current.key, next.current);
    expect(rewrapped).toMatchObject({ kid: "new", noncePrefix: envelope.noncePrefix });
    expect(rewrapped.wrappedKey).not.toBe(envelope.wrappedKey);
    const opened = await decryptModel(rewrapped, stream(ciphertext), identity, next.current.key);
    expect(Buffer.from(opened).equals(Buffer.from(plaintext))).toBe(true);
    await expect(decryptModel(rewrapped, stream(ciphertext), identity, old.current.key)).rejects.toMatchObject({
      code: "model_key_unavailable",
    });
  });

  it("refuses malformed envelopes and keyrings without echoing them", async () => {
    expect(() => parseEnvelope("{")).toThrow(expect.objectContaining({ code: "model_integrity_failed" }));
    expect(() => parseEnvelope(JSON.stringify({ format: "other" }))).toThrow(
      expect.objectContaining({ code: "model_integrity_failed" }),
    );
    const secret = JSON.stringify({ keys: [{ kty: "oct", kid: "x", k: "c2VjcmV0LXRvby1zaG9ydA" }] });
    await expect(importKeyring(secret)).rejects.toSatisfy((e: Error) => !e.message.includes("c2VjcmV0"));
    await expect(importKeyring(undefined)).rejects.toMatchObject({ code: "model_key_unavailable" });
  });
});
