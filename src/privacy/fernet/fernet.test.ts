/**
 * Fernet against its specification's published vectors (src/privacy/fernet/vectors: every
 * generate, verify and invalid case) and against Python's `cryptography.fernet` both ways.
 */
import { describe, expect, it } from "vitest";
import { python, pythonFernetMissing } from "../../../test/python-fernet";
import { decodePadded } from "./base64";
import { decryptFernet, openFernet } from "./decrypt";
import { encryptFernet } from "./encrypt";
import { FernetError } from "./errors";
import { decodeFernetKeys, generateFernetKey, importFernetKeys } from "./keys";
import { rotateFernet } from "./rotate";
import generate from "./vectors/generate.json";
import invalid from "./vectors/invalid.json";
import verify from "./vectors/verify.json";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const bytes = (value: string) => new TextEncoder().encode(value);

async function refusal(promise: Promise<unknown>): Promise<FernetError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FernetError);
  return error as FernetError;
}

describe("the specification's vectors", () => {
  it.each(generate)("generate: $src at $now makes exactly the published token", async (vector) => {
    const keys = await importFernetKeys(vector.secret);
    const token = await encryptFernet(keys, bytes(vector.src), {
      now: new Date(vector.now),
      iv: Uint8Array.from(vector.iv),
    });
    expect(token).toBe(vector.token);
  });

  it.each(verify)("verify: $token opens to $src within ttl $ttl_sec", async (vector) => {
    const keys = await importFernetKeys(vector.secret);
    const plaintext = await decryptFernet(keys, vector.token, { ttl: vector.ttl_sec, now: new Date(vector.now) });
    expect(text(plaintext)).toBe(vector.src);
  });

  it.each(invalid)("invalid: $desc is refused, with the one message", async (vector) => {
    const keys = await importFernetKeys(vector.secret);
    const error = await refusal(decryptFernet(keys, vector.token, { ttl: vector.ttl_sec, now: new Date(vector.now) }));
    expect(error.code).toBe("invalid_token");
    expect(error.message).toBe("invalid Fernet token");
  });

  it("the far-future and expired cases fail on time alone: a moment later or earlier they open", async () => {
    const [farFuture, expired] = ["far-future TS (unacceptable clock skew)", "expired TTL"].map((desc) =>
      invalid.find((v) => v.desc === desc),
    );
    if (!farFuture || !expired) throw new Error("the vectors lost a case");
    const keys = await importFernetKeys(expired.secret);
    // Without a ttl no age applies (as in Python): the MAC and padding of both are sound.
    await expect(decryptFernet(keys, farFuture.token)).resolves.toBeInstanceOf(Uint8Array);
    const opened = decryptFernet(keys, expired.token, { ttl: expired.ttl_sec, now: new Date(verify[0].now) });
    await expect(opened).resolves.toBeInstanceOf(Uint8Array);
  });
});

describe("keys and keyrings", () => {
  it("a generated key is what Fernet.generate_key() writes: padded url-safe base64 of 32 bytes", () => {
    const key = generateFernetKey();
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}=$/);
    expect(decodeFernetKeys(key)[0].length).toBe(32);
  });

  it("refuses malformed keys by position, never echoing them", () => {
    const good = generateFernetKey();
    for (const [list, position] of [
      ["", "the key"],
      [good.slice(0, -1), "the key"], // unpadded
      [`${good},${good.replace(/=$/, "")}`, "key 2 of 2"],
      [`${good},+${good.slice(1)}`, "key 2 of 2"], // standard base64
      [`${good}, ${"A".repeat(22)}==`, "key 2 of 2"], // 16 bytes
    ] as const) {
      let error: unknown;
      try {
        decodeFernetKeys(list);
      } catch (e) {
        error = e;
      }
      expect(error, list).toBeInstanceOf(FernetError);
      expect((error as FernetError).code).toBe("invalid_key");
      expect((error as FernetError).message).toContain(position);
      expect((error as FernetError).message).not.toContain(good.slice(0, 8));
    }
  });

  it("encrypts under the first key, opens under any, and rotation keeps the timestamp", async () => {
    const [current, old] = [generateFernetKey(), generateFernetKey()];
    const oldToken = await encryptFernet(await importFernetKeys(old), bytes("payload"), { now: new Date(1e12) });
    const ring = await importFernetKeys(`${current}, ${old}`);
    expect(text(await decryptFernet(ring, oldToken))).toBe("payload");
    const rotated = await rotateFernet(ring, oldToken);
    const opened = await openFernet(await importFernetKeys(current), rotated);
    expect(text(opened.plaintext)).toBe("payload");
    expect(opened.timestamp).toBe(1e9);
    await refusal(decryptFernet(await importFernetKeys(old), rotated));
  });

  it("refuses a token one bit altered anywhere, and decrypts a fresh one's every length", async () => {
    const keys = await importFernetKeys(generateFernetKey());
    for (const length of [0, 1, 15, 16, 17, 100]) {
      const plaintext = crypto.getRandomValues(new Uint8Array(length));
      const token = await encryptFernet(keys, plaintext);
      expect(await decryptFernet(keys, token, { ttl: 10 })).toEqual(plaintext);
      const raw = decodePadded(token) as Uint8Array;
      for (const at of [0, 1, 9, 25, raw.length - 33, raw.length - 1]) {
        const altered = raw.slice();
        altered[at] ^= 1;
        const spelled = Buffer.from(altered).toString("base64url");
        await refusal(decryptFernet(keys, spelled + "=".repeat((4 - (spelled.length % 4)) % 4)));
      }
    }
  });
});

describe.skipIf(pythonFernetMissing)(
  `Python's cryptography.fernet, both ways${pythonFernetMissing ? ` (skipped: ${pythonFernetMissing})` : ""}`,
  () => {
    it("tokens Python makes open here, with the same ttl rule", async () => {
      const key = generateFernetKey();
      const value = JSON.stringify({ pixels: [0, 0.5, 1], name: "ünïcødé" });
      const token = python.encrypt([key], bytes(value));
      const keys = await importFernetKeys(key);
      expect(text(await decryptFernet(keys, token, { ttl: 60 }))).toBe(value);
      const timestamp = python.timestamp([key], token);
      expect((await openFernet(keys, token)).timestamp).toBe(timestamp);
      await refusal(decryptFernet(keys, token, { ttl: 60, now: new Date((timestamp + 61) * 1000) }));
      await refusal(decryptFernet(keys, token, { ttl: 60, now: new Date((timestamp - 61) * 1000) }));
    });

    it("tokens made here open in Python, and Python refuses what this refuses", async () => {
      const key = generateFernetKey();
      const keys = await importFernetKeys(key);
      const value = bytes(JSON.stringify([1, 2, 3]));
      const token = await encryptFernet(keys, value);
      expect(python.decrypt([key], token, 60)).toEqual(value);
      const past = await encryptFernet(keys, value, { now: new Date(Date.now() - 3_600_000) });
      expect(python.decrypt([key], past, 60)).toBeUndefined();
      const future = await encryptFernet(keys, value, { now: new Date(Date.now() + 3_600_000) });
      expect(python.decrypt([key], future, 60)).toBeUndefined();
      expect(python.decrypt([generateFernetKey()], token)).toBeUndefined();
    });

    it("MultiFernet rotation agrees both ways", async () => {
      const [current, old] = [generateFernetKey(), generateFernetKey()];
      const ring = await importFernetKeys(`${current},${old}`);
      const fromPython = python.encrypt([old], bytes("rotate me"));
      const rotatedHere = await rotateFernet(ring, fromPython);
      expect(text(python.decrypt([current], rotatedHere) as Uint8Array)).toBe("rotate me");
      expect(python.timestamp([current], rotatedHere)).toBe(python.timestamp([old], fromPython));
      const fromHere = await encryptFernet(await importFernetKeys(old), bytes("and me"));
      const rotatedInPython = python.rotate([current, old], fromHere);
      expect(text(await decryptFernet(await importFernetKeys(current), rotatedInPython))).toBe("and me");
    });
  },
);
