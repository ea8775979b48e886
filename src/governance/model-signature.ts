/**
 * Model signatures in the OpenSSF Model Signing format v1.0, as sigstore/model-transparency
 * writes them with a key: a Sigstore bundle (v0.3, no transparency-log entry) whose DSSE envelope
 * holds an in-toto Statement v1. Its predicate (`https://model_signing/signature/v1.0`) lists the
 * model's files as resources with their SHA-256 digests; its one subject is the model, with the
 * SHA-256 of those digests in name order.
 *
 * A Bastion model's "files" are the ONNX model as published or trained (`model.onnx`), each
 * variant the worker serves (`variants/<name>.onnx`) and the manifest itself (`manifest.json`,
 * RFC 8785 canonical JSON of the parsed manifest): so the signer vouches for what the file format
 * does not say (the served tensor signature, preprocessing, the card) as well as for the bytes.
 */
import canonicalize from "canonicalize";
import { z } from "zod";
import type { ModelManifest } from "../models/manifest";
import {
  hexDigest,
  oneSubject,
  openStatement,
  SignatureInvalid,
  type SigstoreBundle,
  STATEMENT_TYPE,
  signStatement,
} from "./bundle";
import { hexBytes, sha256Hex } from "./digest";
import type { SigningKey, TrustedKeys } from "./keys";

export const MODEL_SIGNATURE_PREDICATE = "https://model_signing/signature/v1.0";

const resource = z.object({ name: z.string(), algorithm: z.literal("sha256"), digest: hexDigest });
export type Resource = z.infer<typeof resource>;

const statementSchema = z.object({
  _type: z.literal(STATEMENT_TYPE),
  subject: oneSubject,
  predicateType: z.literal(MODEL_SIGNATURE_PREDICATE),
  predicate: z.object({
    serialization: z.object({ method: z.literal("files"), hash_type: z.literal("sha256") }).passthrough(),
    resources: z.array(resource).min(1),
  }),
});
export type ModelStatement = z.infer<typeof statementSchema>;

/** What a verified signature says: who signed, and the model it names. */
export interface VerifiedModelSignature {
  signer: string;
  subject: string;
  rootDigest: string;
}

/** The resources a manifest's signature must list, in name order. */
export async function manifestResources(manifest: ModelManifest): Promise<Resource[]> {
  const entries: [string, string][] = [
    ["manifest.json", await manifestDigest(manifest)],
    ["model.onnx", manifest.sha256],
    ...manifest.variants.map((v): [string, string] => [`variants/${v.name}.onnx`, v.sha256]),
  ];
  return entries
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, digest]) => ({ name, algorithm: "sha256", digest }));
}

/** SHA-256 of the manifest's RFC 8785 canonical JSON (after parsing, so unknown keys do not count). */
export async function manifestDigest(manifest: ModelManifest): Promise<string> {
  return sha256Hex(new TextEncoder().encode(canonicalize(manifest)));
}

export async function modelStatement(manifest: ModelManifest): Promise<ModelStatement> {
  const resources = await manifestResources(manifest);
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: subjectName(manifest), digest: { sha256: await rootDigest(resources) } }],
    predicateType: MODEL_SIGNATURE_PREDICATE,
    predicate: {
      serialization: { method: "files", hash_type: "sha256", allow_symlinks: false, ignore_paths: [] },
      resources,
    },
  };
}

export async function signModel(manifest: ModelManifest, key: SigningKey): Promise<SigstoreBundle> {
  return signStatement(await modelStatement(manifest), key);
}

/**
 * Checks `bundleText` (a signature file's text, or undefined when there is none) against the
 * manifest: signed by one of `trusted`, over an in-toto statement in the model-signing format
 * whose resources are exactly this manifest's. Throws SignatureInvalid naming the reason.
 */
export async function verifyModelSignature(
  bundleText: string | undefined,
  manifest: ModelManifest,
  trusted: TrustedKeys,
): Promise<VerifiedModelSignature> {
  const name = subjectName(manifest);
  const opened = await openStatement(bundleText, name, trusted);
  const statement = statementSchema.safeParse(opened.statement);
  if (!statement.success)
    throw new SignatureInvalid("wrong_statement", `${name}: not an in-toto statement of ${MODEL_SIGNATURE_PREDICATE}`);
  const [subject] = statement.data.subject;
  const { resources } = statement.data.predicate;
  if (subject.digest.sha256 !== (await rootDigest(resources)))
    throw new SignatureInvalid("wrong_statement", `${name}: the subject's digest is not that of its resources`);

  const expected = await manifestResources(manifest);
  const differences = [
    ...(subject.name === name ? [] : [`signed as ${subject.name}`]),
    ...expected.filter((r) => !resources.some((s) => s.name === r.name && s.digest === r.digest)).map((r) => r.name),
    ...resources.filter((s) => !expected.some((r) => r.name === s.name)).map((s) => `${s.name} (not in the manifest)`),
  ];
  if (differences.length > 0)
    throw new SignatureInvalid(
      "manifest_mismatch",
      `${name}: the signature is over other content (${differences.join(", ")})`,
    );
  return { signer: opened.signer, subject: subject.name, rootDigest: subject.digest.sha256 };
}

/** Model signing's subject digest: SHA-256 over the resources' raw digests, in their order. */
async function rootDigest(resources: Resource[]): Promise<string> {
  const joined = new Uint8Array(resources.length * 32);
  resources.forEach((r, i) => {
    joined.set(hexBytes(r.digest), i * 32);
  });
  return sha256Hex(joined);
}

export function subjectName(manifest: Pick<ModelManifest, "id" | "version">): string {
  return `${manifest.id}@${manifest.version}`;
}
