/**
 * SLSA provenance v1 for the models this project trains (a manifest whose source is a recipe):
 * an in-toto statement, signed like a model signature (bundle.ts), whose subject is the trained
 * model's bytes and whose build definition names everything they came from: the recipe (its
 * commit and the digest of each of its files), the dataset package and its integrity hash, the
 * trainer's packages with their lockfile integrity, Node's version and the seed. The build type
 * (README, Signed models) is this project's own: a recipe is deterministic given these inputs.
 */
import { z } from "zod";
import type { ModelManifest, RecipeSource } from "../models/manifest";
import {
  oneSubject,
  openStatement,
  SignatureInvalid,
  type SigstoreBundle,
  STATEMENT_TYPE,
  signStatement,
} from "./bundle";
import type { SigningKey, TrustedKeys } from "./keys";
import { subjectName } from "./model-signature";

export const SLSA_PROVENANCE_PREDICATE = "https://slsa.dev/provenance/v1";
export const RECIPE_BUILD_TYPE = "urn:bastion:build-type:model-recipe:v1";

const descriptor = z.object({
  name: z.string().optional(),
  uri: z.string().optional(),
  digest: z.record(z.string(), z.string()),
});
export type ResourceDescriptor = z.infer<typeof descriptor>;

const provenanceSchema = z.object({
  _type: z.literal(STATEMENT_TYPE),
  subject: oneSubject,
  predicateType: z.literal(SLSA_PROVENANCE_PREDICATE),
  predicate: z.object({
    buildDefinition: z.object({
      buildType: z.literal(RECIPE_BUILD_TYPE),
      externalParameters: z.object({
        recipe: z.string(),
        seed: z.number(),
        dataset: z.object({ package: z.string(), packageVersion: z.string() }),
      }),
      internalParameters: z.object({ node: z.string() }),
      resolvedDependencies: z.array(descriptor),
    }),
    runDetails: z.object({ builder: z.object({ id: z.string() }) }),
  }),
});
export type Provenance = z.infer<typeof provenanceSchema>;

/** What a trained model was built from, as the release workstation found it. */
export interface BuildRecord {
  builderId: string;
  /** The commit that last changed the recipe's directory (which has no uncommitted changes). */
  recipeCommit: string;
  recipeFiles: { path: string; sha256: string }[];
  /** The trainer's packages, with their lockfile integrity (`sha512` hex). */
  packages: { name: string; version: string; sha512: string }[];
  node: string;
}

export function provenanceStatement(manifest: ModelManifest, source: RecipeSource, build: BuildRecord): Provenance {
  const { dataset } = source;
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: subjectName(manifest), digest: { sha256: manifest.sha256 } }],
    predicateType: SLSA_PROVENANCE_PREDICATE,
    predicate: {
      buildDefinition: {
        buildType: RECIPE_BUILD_TYPE,
        externalParameters: {
          recipe: source.recipe,
          seed: source.seed,
          dataset: { package: dataset.package, packageVersion: dataset.packageVersion },
        },
        internalParameters: { node: build.node },
        resolvedDependencies: [
          { name: "recipe", digest: { gitCommit: build.recipeCommit } },
          ...build.recipeFiles.map((f) => ({ name: f.path, digest: { sha256: f.sha256 } })),
          {
            name: "dataset",
            uri: `pkg:npm/${dataset.package}@${dataset.packageVersion}`,
            digest: { sha256: dataset.sha256 },
          },
          ...build.packages.map((p) => ({ uri: `pkg:npm/${p.name}@${p.version}`, digest: { sha512: p.sha512 } })),
        ],
      },
      runDetails: { builder: { id: build.builderId } },
    },
  };
}

export async function signProvenance(
  manifest: ModelManifest,
  source: RecipeSource,
  build: BuildRecord,
  key: SigningKey,
): Promise<SigstoreBundle> {
  return signStatement(provenanceStatement(manifest, source, build), key);
}

/**
 * Checks a provenance bundle for `manifest`: signed by a trusted key, its subject the digest the
 * manifest pins, its dataset, seed and recipe the manifest's source, its builder on the
 * allowlist, and (given `checkout`, the recipe's files as they are now) the recipe unchanged
 * since. Throws SignatureInvalid naming the reason.
 */
export async function verifyProvenance(
  text: string | undefined,
  manifest: ModelManifest,
  source: RecipeSource,
  trusted: TrustedKeys,
  builders: readonly string[],
  checkout?: { path: string; sha256: string }[],
): Promise<{ signer: string; builder: string; recipeCommit: string }> {
  const what = `the provenance of ${subjectName(manifest)}`;
  const opened = await openStatement(text, what, trusted);
  const parsed = provenanceSchema.safeParse(opened.statement);
  if (!parsed.success) throw new SignatureInvalid("wrong_statement", `${what}: not SLSA provenance v1 of a recipe`);
  const { subject, predicate } = parsed.data;
  const { externalParameters: given, resolvedDependencies } = predicate.buildDefinition;
  const dataset = resolvedDependencies.find((d) => d.name === "dataset");
  const recipeFiles = resolvedDependencies.filter((d) => d.name?.startsWith(`${dirname(source.recipe)}/`));
  const mismatches = [
    subject[0].digest.sha256 === manifest.sha256 ? undefined : "the model's digest",
    subject[0].name === subjectName(manifest) ? undefined : "the model's name",
    given.recipe === source.recipe ? undefined : "the recipe",
    given.seed === source.seed ? undefined : "the seed",
    given.dataset.package === source.dataset.package && given.dataset.packageVersion === source.dataset.packageVersion
      ? undefined
      : "the dataset package",
    dataset?.digest.sha256 === source.dataset.sha256 ? undefined : "the dataset's integrity hash",
    !checkout || sameFiles(recipeFiles, checkout) ? undefined : "the recipe's files (changed since it was built)",
  ].filter((m) => m !== undefined);
  if (mismatches.length > 0)
    throw new SignatureInvalid("manifest_mismatch", `${what} differs from the manifest in ${mismatches.join(", ")}`);
  const builder = predicate.runDetails.builder.id;
  if (!builders.includes(builder))
    throw new SignatureInvalid("untrusted_builder", `${what} names builder ${builder}, not on the allowlist`);
  const commit = resolvedDependencies.find((d) => d.name === "recipe")?.digest.gitCommit ?? "unknown";
  return { signer: opened.signer, builder, recipeCommit: commit };
}

function sameFiles(recorded: ResourceDescriptor[], checkout: { path: string; sha256: string }[]): boolean {
  return (
    recorded.length === checkout.length &&
    checkout.every((f) => recorded.some((r) => r.name === f.path && r.digest.sha256 === f.sha256))
  );
}

function dirname(file: string): string {
  return file.slice(0, file.lastIndexOf("/"));
}
