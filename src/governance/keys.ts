/**
 * Signing keys: ECDSA P-256, as PEM (SPKI public keys, PKCS#8 private keys). A key is named in a
 * signature by its hint, the SHA-256 of its public key's PEM as model-transparency computes it
 * (`public_bytes(PEM, SubjectPublicKeyInfo)`), so the PEM is rebuilt in that one form first.
 * The worker trusts the public keys in models/trusted-keys.json, bundled at build time.
 */
import { z } from "zod";
import { decodeBase64, encodeBase64 } from "../request/base64";
import { sha256Hex } from "./digest";
import { ECDSA_P256 } from "./dsse";

export interface TrustedKey {
  name: string;
  hint: string;
  publicKey: CryptoKey;
}
/** Trusted keys by hint. */
export type TrustedKeys = ReadonlyMap<string, TrustedKey>;

export interface SigningKey {
  name: string;
  hint: string;
  privateKey: CryptoKey;
}

export const trustedKeysFile = z.object({
  keys: z.array(
    z.object({
      name: z.string().min(1),
      /** When the key was added, and why: rotation leaves a trail here. */
      added: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
      publicKey: z.string().startsWith("-----BEGIN PUBLIC KEY-----"),
    }),
  ),
});

export async function importTrustedKeys(json: unknown): Promise<TrustedKeys> {
  const { keys } = trustedKeysFile.parse(json);
  const imported = await Promise.all(
    keys.map(async ({ name, publicKey }) => {
      const spki = pemBody(publicKey, "PUBLIC KEY");
      const key = await crypto.subtle.importKey("spki", spki, ECDSA_P256, true, ["verify"]);
      return { name, hint: await publicKeyHint(spki), publicKey: key };
    }),
  );
  return new Map(imported.map((key) => [key.hint, key]));
}

/** A PKCS#8 P-256 private key (PEM) and the public key that goes with it (SPKI PEM). */
export async function importSigningKey(name: string, privatePem: string): Promise<SigningKey> {
  const privateKey = await crypto.subtle.importKey("pkcs8", pemBody(privatePem, "PRIVATE KEY"), ECDSA_P256, true, [
    "sign",
  ]);
  return { name, hint: await publicKeyHint(await publicSpki(privateKey)), privateKey };
}

export async function generateSigningKey(): Promise<{ privatePem: string; publicPem: string }> {
  const pair = (await crypto.subtle.generateKey(ECDSA_P256, true, ["sign", "verify"])) as CryptoKeyPair;
  const pkcs8 = new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer);
  const spki = new Uint8Array((await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer);
  return { privatePem: pem(pkcs8, "PRIVATE KEY"), publicPem: pem(spki, "PUBLIC KEY") };
}

/** The public key of a private one, as SPKI (WebCrypto has no direct way: through its JWK). */
export async function publicSpki(privateKey: CryptoKey): Promise<Uint8Array> {
  const { kty, crv, x, y } = (await crypto.subtle.exportKey("jwk", privateKey)) as JsonWebKey;
  const publicKey = await crypto.subtle.importKey("jwk", { kty, crv, x, y }, ECDSA_P256, true, ["verify"]);
  return new Uint8Array((await crypto.subtle.exportKey("spki", publicKey)) as ArrayBuffer);
}

export async function publicKeyHint(spki: Uint8Array): Promise<string> {
  return sha256Hex(new TextEncoder().encode(pem(spki, "PUBLIC KEY")));
}

/** PEM as OpenSSL and Python's `cryptography` write it: 64-character lines, a final newline. */
export function pem(der: Uint8Array, label: string): string {
  const lines = encodeBase64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

function pemBody(text: string, label: string): Uint8Array {
  const match = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(text);
  const der = match && decodeBase64(match[1].replace(/\s+/g, ""));
  if (!der) throw new Error(`not a PEM ${label}`);
  return der;
}
