/**
 * Signed in-toto statements as Sigstore bundles (v0.3, signed with a key, no transparency-log
 * entry): the form sigstore/model-transparency writes model signatures in, used here for those and
 * for SLSA provenance alike. `openStatement` checks the bundle's shape, that its key is trusted and
 * that the signature verifies, and returns the statement for the caller to check what it says.
 */
import { z } from "zod";
import { decodeBase64 } from "../request/base64";
import { signEnvelope, verifyEnvelope } from "./dsse";
import type { SigningKey, TrustedKeys } from "./keys";

export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";
export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
export const SIGSTORE_BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";

/** Why a signed statement was refused: stable codes, for logs, the CLI and tests. */
export type SignatureFailure =
  | "missing"
  | "malformed"
  | "unknown_key"
  | "bad_signature"
  | "wrong_statement"
  | "manifest_mismatch"
  | "untrusted_builder";

export class SignatureInvalid extends Error {
  constructor(
    readonly reason: SignatureFailure,
    detail: string,
  ) {
    super(`${reason.replaceAll("_", " ")}: ${detail}`);
    this.name = "SignatureInvalid";
  }
}

export const hexDigest = z.string().regex(/^[0-9a-f]{64}$/);
/** A statement about one artifact: its name and SHA-256. */
export const oneSubject = z.array(z.object({ name: z.string(), digest: z.object({ sha256: hexDigest }) })).length(1);

const bundleSchema = z.object({
  mediaType: z.literal(SIGSTORE_BUNDLE_MEDIA_TYPE),
  verificationMaterial: z.object({ publicKey: z.object({ hint: hexDigest }) }),
  dsseEnvelope: z.object({
    payload: z.string(),
    payloadType: z.string(),
    signatures: z.array(z.object({ sig: z.string(), keyid: z.string().optional() })).length(1),
  }),
});
export type SigstoreBundle = z.infer<typeof bundleSchema>;

export async function signStatement(statement: unknown, key: SigningKey): Promise<SigstoreBundle> {
  const payload = new TextEncoder().encode(JSON.stringify(statement, null, 2));
  return {
    mediaType: SIGSTORE_BUNDLE_MEDIA_TYPE,
    verificationMaterial: { publicKey: { hint: key.hint } },
    dsseEnvelope: await signEnvelope(IN_TOTO_PAYLOAD_TYPE, payload, key.privateKey),
  };
}

/**
 * The statement in `text` (a bundle's JSON; undefined: there is none) and who signed it, once the
 * signature verifies under a trusted key. `what` names the signed thing in refusals.
 */
export async function openStatement(
  text: string | undefined,
  what: string,
  trusted: TrustedKeys,
): Promise<{ statement: unknown; signer: string }> {
  if (text === undefined) throw new SignatureInvalid("missing", `${what} has no signature`);
  const bundle = bundleSchema.safeParse(parseJson(text));
  if (!bundle.success)
    throw new SignatureInvalid("malformed", `${what}: not a Sigstore bundle with one DSSE signature`);
  const { hint } = bundle.data.verificationMaterial.publicKey;
  const key = trusted.get(hint);
  if (!key) throw new SignatureInvalid("unknown_key", `${what} is signed by a key this build does not trust (${hint})`);
  const envelope = bundle.data.dsseEnvelope;
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE || !(await verifyEnvelope(envelope, key.publicKey)))
    throw new SignatureInvalid("bad_signature", `${what}: the signature by ${key.name} does not verify`);
  const payload = decodeBase64(envelope.payload) as Uint8Array;
  return { statement: parseJson(new TextDecoder().decode(payload)), signer: key.name };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
