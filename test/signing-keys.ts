/** Signing keys and altered signatures for the tests of signed models and provenance. */
import { generateSigningKey, importSigningKey, importTrustedKeys } from "../src/governance/keys";
import { decodeBase64, encodeBase64 } from "../src/request/base64";

/** A fresh ECDSA P-256 key, and a trusted-key set that holds only it. */
export async function newSigningKey(name: string) {
  const { privatePem, publicPem } = await generateSigningKey();
  return {
    signing: await importSigningKey(name, privatePem),
    trusted: await importTrustedKeys({ keys: [{ name, added: "2026-11-27", publicKey: publicPem }] }),
    privatePem,
    publicPem,
  };
}

/** A signed bundle's JSON with one bit flipped in its DSSE payload or in its signature. */
export function flipped(bundleText: string, field: "payload" | "sig"): string {
  const bundle = JSON.parse(bundleText);
  const target = field === "payload" ? bundle.dsseEnvelope : bundle.dsseEnvelope.signatures[0];
  const bytes = decodeBase64(target[field]) as Uint8Array;
  bytes[Math.floor(bytes.length / 2)] ^= 0x01;
  target[field] = encodeBase64(bytes);
  return JSON.stringify(bundle);
}
