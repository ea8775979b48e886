/**
 * DSSE (Dead Simple Signing Envelope, secure-systems-lab/dsse v1.0): a payload and its type,
 * signed over their pre-authentication encoding, so that a signature over one type of payload can
 * never be read as one over another. Signatures are ECDSA P-256 with SHA-256 in ASN.1 DER, as
 * sigstore/model-transparency writes them (WebCrypto's own form is r || s; converted here).
 */
import { decodeBase64, encodeBase64 } from "../request/base64";

export interface DsseEnvelope {
  payload: string;
  payloadType: string;
  signatures: { sig: string; keyid?: string }[];
}

export const ECDSA_P256 = { name: "ECDSA", namedCurve: "P-256" } as const;
const ECDSA_SHA256 = { name: "ECDSA", hash: "SHA-256" } as const;
const encoder = new TextEncoder();

/** PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in ASCII decimal. */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = encoder.encode(payloadType);
  const head = encoder.encode(`DSSEv1 ${type.byteLength} ${payloadType} ${payload.byteLength} `);
  const out = new Uint8Array(head.byteLength + payload.byteLength);
  out.set(head);
  out.set(payload, head.byteLength);
  return out;
}

export async function signEnvelope(
  payloadType: string,
  payload: Uint8Array,
  privateKey: CryptoKey,
): Promise<DsseEnvelope> {
  const raw = new Uint8Array(await crypto.subtle.sign(ECDSA_SHA256, privateKey, preAuthEncoding(payloadType, payload)));
  return { payload: encodeBase64(payload), payloadType, signatures: [{ sig: encodeBase64(rawToDer(raw)) }] };
}

/** Whether the envelope's first signature is `publicKey`'s over its payload and type. */
export async function verifyEnvelope(envelope: DsseEnvelope, publicKey: CryptoKey): Promise<boolean> {
  const der = decodeBase64(envelope.signatures[0]?.sig ?? "");
  const raw = der && derToRaw(der);
  const payload = decodeBase64(envelope.payload);
  if (!raw || !payload) return false;
  return crypto.subtle.verify(ECDSA_SHA256, publicKey, raw, preAuthEncoding(envelope.payloadType, payload));
}

/** An ECDSA-Sig-Value (SEQUENCE { r INTEGER, s INTEGER }) from P-256's 64-byte r || s. */
function rawToDer(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    const trimmed = bytes.subarray(start);
    // A set high bit would read as negative: INTEGER needs a leading zero then.
    const value = trimmed[0] & 0x80 ? Uint8Array.of(0, ...trimmed) : trimmed;
    return Uint8Array.of(0x02, value.length, ...value);
  };
  const r = integer(raw.subarray(0, 32));
  const s = integer(raw.subarray(32));
  return Uint8Array.of(0x30, r.length + s.length, ...r, ...s);
}

/** P-256's r || s from DER, or undefined if the bytes are not one strict ECDSA-Sig-Value. */
function derToRaw(der: Uint8Array): Uint8Array | undefined {
  if (der.length < 8 || der[0] !== 0x30 || der[1] !== der.length - 2) return undefined;
  const out = new Uint8Array(64);
  let at = 2;
  for (const offset of [0, 32]) {
    if (der[at] !== 0x02) return undefined;
    const length = der[at + 1];
    let value = der.subarray(at + 2, at + 2 + length);
    if (value.length !== length || length === 0) return undefined;
    if (value.length > 1 && value[0] === 0) value = value.subarray(1);
    if (value.length > 32) return undefined;
    out.set(value, offset + 32 - value.length);
    at += 2 + length;
  }
  return at === der.length ? out : undefined;
}
