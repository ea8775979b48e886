/**
 * Signed models end to end: `npm run models -- build` (buildArtifact) refuses to publish a model
 * whose signature is missing, by a key the project does not trust, altered, or over another
 * manifest; and the worker, which finds each model's signature beside its encrypted artifact in
 * R2, refuses to load one that fails the same checks (503 model_integrity_failed, the reason
 * named), keeps serving the others, and loads it again once a good signature is back.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { functions } from "../functions";
import { buildArtifact } from "../models/recipe";
import { readSignature } from "../models/signing";
import type { SignatureInvalid } from "../src/governance/bundle";
import { signModel } from "../src/governance/model-signature";
import { importKeyring } from "../src/models/keyring";
import { type ModelManifest, signatureKey } from "../src/models/manifest";
import { flipped, newSigningKey } from "./signing-keys";
import { freshKeySet, postJson, startWorker, type TestWorker } from "./worker";

const modelOf = (name: string) => functions.find((fn) => fn.name === name)?.model as ModelManifest;

/** A signature by a freshly made key: well formed, but not one the build trusts. */
async function foreignSignature(manifest: ModelManifest) {
  return JSON.stringify(await signModel(manifest, (await newSigningKey("not-ours")).signing));
}

const signatureFile = (subject: string) => readFileSync(`models/signing/${subject}.sig`, "utf8");

let worker: TestWorker;
const modelKeys = freshKeySet();

beforeAll(async () => {
  worker = await startWorker({ modelKeys });
});
afterAll(() => worker?.dispose());

async function bad(manifest: ModelManifest) {
  const own = (await readSignature(manifest)) as string;
  return {
    missing: undefined,
    "a foreign key": await foreignSignature(manifest),
    "a flipped byte": flipped(own, "payload"),
    "another manifest": signatureFile(manifest.id === "ppocr-cls" ? "silero-vad@5" : "ppocr-cls@2.0"),
  };
}

const REASONS = {
  missing: "missing",
  "a foreign key": "unknown_key",
  "a flipped byte": "bad_signature",
  "another manifest": "manifest_mismatch",
} as const;

describe("signed models", () => {
  it("npm run models -- build refuses each bad signature with its reason, and publishes nothing", async () => {
    const manifest = modelOf("text-orientation");
    const keyring = await importKeyring(modelKeys, ["wrapKey", "unwrapKey"]);
    const published = await (await worker.models.get(signatureKey(manifest)))?.text();
    for (const [what, signature] of Object.entries(await bad(manifest))) {
      const refused = await buildArtifact(worker.artifacts, manifest, keyring, { signature, force: true }).then(
        () => undefined,
        (error: SignatureInvalid) => error.reason,
      );
      expect({ what, refused }).toEqual({ what, refused: REASONS[what as keyof typeof REASONS] });
    }
    expect(await (await worker.models.get(signatureKey(manifest)))?.text()).toBe(published);
  });

  it("the worker refuses to load a model whose published signature fails, naming why, and serves the rest", async () => {
    const cases: [string, keyof typeof REASONS, RegExp][] = [
      ["vad", "missing", /has no signature/],
      ["text-orientation", "a foreign key", /a key this build does not trust/],
      ["digits", "another manifest", /signature is over other content/],
      ["text-detect", "a flipped byte", /does not verify/],
    ];
    for (const [name, what, reason] of cases) {
      const manifest = modelOf(name);
      const signature = (await bad(manifest))[what];
      if (signature === undefined) await worker.models.delete(signatureKey(manifest));
      else await worker.models.put(signatureKey(manifest), signature);
      const responses = [await worker.fetch(`/v2/models/${name}/ready`)];
      if (name === "vad")
        responses.push(await postJson(worker, "/v1/functions/vad", { audio: new Array(512).fill(0) }));
      for (const response of responses) {
        const body = (await response.json()) as { code: string; error: string };
        expect({ name, status: response.status, code: body.code }).toEqual({
          name,
          status: 503,
          code: "model_integrity_failed",
        });
        expect(body.error).toMatch(reason);
      }
    }
    // digits' other version keeps its own signature, and loads.
    expect((await worker.fetch("/v2/models/digits/versions/dp/ready")).status).toBe(200);
  });

  it("loads the model again once a good signature is published (after the failure back-off)", async () => {
    const manifest = modelOf("vad");
    await worker.models.put(signatureKey(manifest), (await readSignature(manifest)) as string);
    const deadline = Date.now() + 60_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await worker.fetch("/v2/models/vad/ready")).status;
      if (status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(status).toBe(200);
  });
});
