import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { pythonCryptographyMissing, runPython } from "../../test/python-cryptography";
import { flipped, newSigningKey } from "../../test/signing-keys";
import { type ModelManifest, parseManifest } from "../models/manifest";
import { decodeBase64 } from "../request/base64";
import type { SignatureInvalid } from "./bundle";
import { preAuthEncoding } from "./dsse";
import type { SigningKey, TrustedKeys } from "./keys";
import { manifestResources, signModel, verifyModelSignature } from "./model-signature";

const manifest = (file: string) => parseManifest(JSON.parse(readFileSync(`models/${file}.json`, "utf8")));
const cls = manifest("ppocr-cls");
const vad = manifest("silero-vad");

async function refusal(text: string | undefined, of: ModelManifest, trusted: TrustedKeys) {
  const error = await verifyModelSignature(text, of, trusted).then(
    () => undefined,
    (e: SignatureInvalid) => e,
  );
  return error && { reason: error.reason, message: error.message };
}

const signed = async (of: ModelManifest, key: SigningKey) => JSON.stringify(await signModel(of, key));

describe("DSSE", () => {
  it("encodes as the DSSE v1 protocol's example: PAE(type, body)", () => {
    const pae = preAuthEncoding("http://example.com/HelloWorld", new TextEncoder().encode("hello world"));
    expect(new TextDecoder().decode(pae)).toBe("DSSEv1 29 http://example.com/HelloWorld 11 hello world");
  });
});

describe("model signatures", () => {
  it("sign an in-toto statement of model-signing v1.0 over the model, its variants and its manifest", async () => {
    const { signing, trusted } = await newSigningKey("release");
    const bundle = await signModel(vad, signing);
    expect(bundle.mediaType).toBe("application/vnd.dev.sigstore.bundle.v0.3+json");
    expect(bundle.dsseEnvelope.payloadType).toBe("application/vnd.in-toto+json");
    const statement = JSON.parse(new TextDecoder().decode(decodeBase64(bundle.dsseEnvelope.payload)));
    expect(statement).toMatchObject({
      _type: "https://in-toto.io/Statement/v1",
      subject: [{ name: "silero-vad@5" }],
      predicateType: "https://model_signing/signature/v1.0",
      predicate: { serialization: { method: "files", hash_type: "sha256" } },
    });
    expect(statement.predicate.resources.map((r: { name: string }) => r.name)).toEqual([
      "manifest.json",
      "model.onnx",
      "variants/batch-1.onnx",
      "variants/general.onnx",
    ]);
    expect(statement.predicate.resources).toEqual(await manifestResources(vad));
    await expect(verifyModelSignature(JSON.stringify(bundle), vad, trusted)).resolves.toMatchObject({
      signer: "release",
      subject: "silero-vad@5",
    });
  });

  it("are refused, with the reason named, when missing, malformed, foreign, flipped or over another manifest", async () => {
    const release = await newSigningKey("release");
    const foreign = await newSigningKey("someone-else");
    const good = await signed(cls, release.signing);
    const cases: [string, string | undefined, ModelManifest, string][] = [
      ["missing", undefined, cls, "missing"],
      ["not JSON", "{", cls, "malformed"],
      ["signed by a key the build does not trust", await signed(cls, foreign.signing), cls, "unknown_key"],
      ["a flipped byte in the payload", flipped(good, "payload"), cls, "bad_signature"],
      ["a flipped byte in the signature", flipped(good, "sig"), cls, "bad_signature"],
      ["another model's signature", await signed(vad, release.signing), cls, "manifest_mismatch"],
      [
        "a manifest edited after signing (its card)",
        good,
        { ...cls, card: { ...cls.card, intendedUse: "anything" } },
        "manifest_mismatch",
      ],
      [
        "a variant's digest changed after signing",
        good,
        { ...cls, variants: cls.variants.map((v) => ({ ...v, sha256: "0".repeat(64) })) },
        "manifest_mismatch",
      ],
    ];
    for (const [what, text, of, reason] of cases) {
      const error = await refusal(text, of, release.trusted);
      expect({ what, reason: error?.reason }).toEqual({ what, reason });
    }
    expect(
      (await refusal(good, { ...cls, card: { ...cls.card, intendedUse: "x" } }, release.trusted))?.message,
    ).toMatch(/manifest\.json/);
  });

  describe.skipIf(pythonCryptographyMissing)(
    `against Python's cryptography${pythonCryptographyMissing ? ` (skipped: ${pythonCryptographyMissing})` : ""}`,
    () => {
      // What model-transparency's key verifier does: ECDSA (DER) over PAE, key hint = SHA-256 of the PEM.
      const SCRIPT = `
import base64, hashlib, json, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
r = json.load(sys.stdin)
def pae(payload):
    t = b"application/vnd.in-toto+json"
    return b"DSSEv1 %d %s %d " % (len(t), t, len(payload)) + payload
if r["op"] == "verify":
    key = serialization.load_pem_public_key(r["publicPem"].encode())
    pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    env = r["bundle"]["dsseEnvelope"]
    payload = base64.b64decode(env["payload"])
    try:
        key.verify(base64.b64decode(env["signatures"][0]["sig"]), pae(payload), ec.ECDSA(hashes.SHA256()))
        ok = True
    except Exception:
        ok = False
    print(json.dumps({"ok": ok, "hint": hashlib.sha256(pem).hexdigest()}))
else:
    key = serialization.load_pem_private_key(r["privatePem"].encode(), None)
    payload = r["payload"].encode()
    sig = key.sign(pae(payload), ec.ECDSA(hashes.SHA256()))
    print(json.dumps({"payload": base64.b64encode(payload).decode(), "sig": base64.b64encode(sig).decode()}))
`;

      it("Python verifies what Bastion signs, with the same key hint", async () => {
        const { signing, publicPem } = await newSigningKey("release");
        const bundle = await signModel(cls, signing);
        const answer = runPython<{ ok: boolean; hint: string }>(SCRIPT, { op: "verify", publicPem, bundle });
        expect(answer).toEqual({ ok: true, hint: bundle.verificationMaterial.publicKey.hint });
        const tampered = JSON.parse(flipped(JSON.stringify(bundle), "payload"));
        expect(runPython<{ ok: boolean }>(SCRIPT, { op: "verify", publicPem, bundle: tampered }).ok).toBe(false);
      });

      it("Bastion verifies a statement Python signed", async () => {
        const { signing, trusted, privatePem } = await newSigningKey("release");
        const ours = await signModel(cls, signing);
        const payload = new TextDecoder().decode(decodeBase64(ours.dsseEnvelope.payload));
        const theirs = runPython<{ payload: string; sig: string }>(SCRIPT, { op: "sign", privatePem, payload });
        const bundle = {
          ...ours,
          dsseEnvelope: { ...ours.dsseEnvelope, ...theirs, signatures: [{ sig: theirs.sig }] },
        };
        delete (bundle.dsseEnvelope as { sig?: string }).sig;
        await expect(verifyModelSignature(JSON.stringify(bundle), cls, trusted)).resolves.toMatchObject({
          signer: "release",
        });
      });
    },
  );
});
