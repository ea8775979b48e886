/**
 * `npm run models -- <command>`: operations on the encrypted model artifacts.
 *
 *   build [--force]        encrypt every model in models/ that the bucket lacks (or all, --force)
 *   rotate [--to KID]      re-wrap every data key under KID (default: the keyring's first key)
 *   status                 which key wraps each model
 *   keygen [--kid KID]     print a new key-encryption key (a JWK) to add to MODEL_KEYS
 *   variants               make each model's served variants (models/optimise.ts) and print their
 *                          digests against the ones the manifests pin (to pin anew after changing
 *                          onnxruntime-node or a model)
 *   train                  train the models this project trains (once per machine: models/trained.ts)
 *                          and check them against their manifests (a refusal says what was trained)
 *   signing-keygen --name NAME --out FILE
 *                          write a new ECDSA P-256 release key to FILE (never into the repository) and
 *                          print the entry that makes models/signing/trusted-keys.json trust it
 *   sign --key FILE [--name NAME] [--model ID]
 *                          sign every manifest (or ID's) in the OpenSSF model-signing format:
 *                          models/signing/<id>@<version>.sig; for a model this project trains, also
 *                          its SLSA provenance (<id>@<version>.provenance.sig; the recipe committed)
 *   verify                 check every manifest's signature against the trusted keys, and each trained
 *                          model's provenance against its manifest, the recipe and the builder
 *                          allowlist; exit 1 naming each refusal
 *
 * On a running worker, through its admin routes (--base URL, default http://127.0.0.1:8787, and
 * --token, an `admin` token, or BASTION_TOKEN; each change is audited under the operator):
 *   promote FUNCTION VERSION        make a declared version the default for requests naming none
 *   rollback FUNCTION               return to the previous default
 *   canary FUNCTION VERSION --percent N
 *                                   send N % of principals (stable per principal) to VERSION; 0 ends it
 *   (each takes [--reason WHY])
 *
 * `build` trains too, when a model it must encrypt has not been trained on this machine yet.
 * The keyring comes from the MODEL_KEYS environment variable, else from .dev.vars. The bucket is
 * wrangler dev's local one (`--persist-to DIR` as for wrangler dev), or with --remote [--env NAME]
 * the account's models bucket of wrangler.toml (its top level, or [env.NAME], whose keyring may
 * also come from .dev.vars.NAME) through `wrangler r2 object`.
 */
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { buildVariant } from "../models/optimise";
import { buildArtifact, readEnvelope, readManifests, readPlaintext, rotateArtifact } from "../models/recipe";
import { checkCommittedSignature, checkProvenance, writeProvenance, writeSignature } from "../models/signing";
import { generateSigningKey, importSigningKey } from "../src/governance/keys";
import { subjectName } from "../src/governance/model-signature";
import { generateKeyJwk, importKeyring } from "../src/models/keyring";
import { boundBucket } from "../src/ops/provision/desired";
import { requireAdminRoute } from "./admin-route";
import { readSecretsFile, readWranglerEnvironment, secretsFileFor } from "./deployment";
import { ensureDevVars, openLocalBuckets, ROOT, withLock } from "./local-state";
import { remoteBucket } from "./remote-bucket";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    force: { type: "boolean" },
    remote: { type: "boolean" },
    env: { type: "string" },
    to: { type: "string" },
    kid: { type: "string" },
    "persist-to": { type: "string" },
    key: { type: "string" },
    name: { type: "string" },
    out: { type: "string" },
    model: { type: "string" },
    percent: { type: "string" },
    reason: { type: "string" },
    base: { type: "string", default: "http://127.0.0.1:8787" },
    token: { type: "string", default: process.env.BASTION_TOKEN },
  },
});
const command = positionals[0];

if (command === "keygen") {
  console.log(JSON.stringify(generateKeyJwk(values.kid ?? `kek-${new Date().toISOString().slice(0, 10)}`)));
} else if (command === "train") {
  for (const manifest of await readManifests()) {
    if (!("recipe" in manifest.source)) continue;
    // readPlaintext trains if needed, and its refusal names the digest, size and metrics trained.
    const outcome = await readPlaintext(manifest).then(
      () => "trained as the manifest pins",
      (e: Error) => {
        process.exitCode = 1;
        return e.message;
      },
    );
    console.log(`${manifest.id}@${manifest.version}: ${outcome}`);
  }
} else if (command === "variants") {
  for (const manifest of await readManifests()) {
    const plaintext = await readPlaintext(manifest);
    for (const variant of manifest.variants) {
      const bytes = await buildVariant(plaintext, manifest, variant);
      const digest = createHash("sha256").update(bytes).digest("hex");
      const pinned = digest === variant.sha256 && bytes.byteLength === variant.bytes;
      if (!pinned) process.exitCode = 1;
      console.log(
        `${manifest.id}@${manifest.version} ${variant.name}: "sha256": "${digest}", "bytes": ${bytes.byteLength}${pinned ? "" : "  (NOT what the manifest pins)"}`,
      );
    }
  }
} else if (command === "signing-keygen") {
  if (!values.name || !values.out) usage();
  const { privatePem, publicPem } = await generateSigningKey();
  await writeFile(path.resolve(values.out), privatePem, { mode: 0o600, flag: "wx" });
  console.error(`wrote the private key to ${values.out}; add this to models/signing/trusted-keys.json:`);
  console.log(
    JSON.stringify({ name: values.name, added: new Date().toISOString().slice(0, 10), publicKey: publicPem }),
  );
} else if (command === "sign") {
  if (!values.key) usage();
  const key = await importSigningKey(values.name ?? path.basename(values.key), await readFile(values.key, "utf8"));
  const manifests = (await readManifests()).filter((m) => !values.model || m.id === values.model);
  if (manifests.length === 0) throw new Error(`no manifest of model ${values.model}`);
  for (const manifest of manifests) {
    const written = [await writeSignature(manifest, key)];
    if ("recipe" in manifest.source) written.push(await writeProvenance(manifest, manifest.source, key));
    const files = written.map((file) => path.relative(ROOT, file)).join(", ");
    console.log(`${subjectName(manifest)}: signed by ${key.name} -> ${files}`);
  }
} else if (command === "verify") {
  for (const manifest of await readManifests()) {
    const outcome = await checkCommittedSignature(manifest).then(
      (verified) => `signed by ${verified.signer}, subject digest ${verified.rootDigest.slice(0, 16)}…`,
      (error: Error) => {
        process.exitCode = 1;
        return `REFUSED: ${error.message}`;
      },
    );
    console.log(`${subjectName(manifest)}: ${outcome}`);
    if (!("recipe" in manifest.source)) continue;
    const provenance = await checkProvenance(manifest, manifest.source).then(
      (verified) =>
        `built by ${verified.builder} from recipe commit ${verified.recipeCommit.slice(0, 12)}, signed by ${verified.signer}`,
      (error: Error) => {
        process.exitCode = 1;
        return `REFUSED: ${error.message}`;
      },
    );
    console.log(`${subjectName(manifest)} provenance: ${provenance}`);
  }
} else if (command === "promote" || command === "rollback" || command === "canary") {
  const [, fn, version] = positionals;
  const percent = Number(values.percent);
  if (!fn || !values.token || (command !== "rollback" && !version)) usage();
  if (command === "canary" && !(Number.isInteger(percent) && percent >= 0 && percent <= 100)) usage();
  const answer = await requireAdminRoute(
    { base: values.base as string, token: values.token },
    `/v1/admin/functions/${encodeURIComponent(fn)}/versions`,
    { action: command, version, percent: command === "canary" ? percent : undefined, reason: values.reason },
  );
  const canary = answer.canary as { version: string; percent: number } | null;
  console.log(
    `${fn}: default ${answer.default} (was ${answer.previous})${canary ? `; canary ${canary.version} for ${canary.percent}% of principals` : ""}`,
  );
} else if (command === "build" || command === "rotate" || command === "status") {
  await withLock("models", () => run(command));
} else {
  usage();
}

function usage(): never {
  console.error(
    "usage: npm run models -- build [--force] | rotate [--to KID] | status | keygen [--kid KID] | train | variants  [--remote [--env NAME]]\n" +
      "       npm run models -- signing-keygen --name NAME --out FILE | sign --key FILE [--name NAME] [--model ID] | verify\n" +
      "       npm run models -- promote FUNCTION VERSION | rollback FUNCTION | canary FUNCTION VERSION --percent N  [--reason WHY] [--base URL] --token ADMIN_TOKEN",
  );
  process.exit(2);
}

async function run(command: "build" | "rotate" | "status") {
  const secret = await modelKeysSecret();
  if (secret === undefined) {
    // Remote, with no keyring to hand: say where one comes from rather than fail on importing nothing.
    const from = values.env === undefined ? "" : ` or ${path.basename(secretsFileFor(values.env))}`;
    console.error(`models: no MODEL_KEYS for the remote bucket: set it in the environment${from}`);
    process.exit(1);
  }
  const keyring = await importKeyring(secret, ["wrapKey", "unwrapKey"]);
  const { models: bucket, dispose } = values.remote
    ? {
        models: remoteBucket(boundBucket(readWranglerEnvironment(values.env), "MODELS"), { env: values.env }),
        dispose: async () => {},
      }
    : await openLocalBuckets(values["persist-to"] ? path.resolve(values["persist-to"]) : undefined);
  try {
    for (const manifest of await readManifests()) {
      const name = `${manifest.id}@${manifest.version}`;
      if (command === "build") {
        const outcomes = await buildArtifact(bucket, manifest, keyring, { force: values.force });
        for (const [variant, outcome] of Object.entries(outcomes)) console.log(`${name} ${variant}: ${outcome}`);
      }
      if (command === "rotate") {
        const outcomes = await rotateArtifact(bucket, manifest, keyring, values.to);
        for (const [variant, outcome] of Object.entries(outcomes))
          console.log(
            `${name} ${variant}: ${typeof outcome === "string" ? outcome : `re-wrapped ${outcome.from} -> ${outcome.to}`}`,
          );
      }
      if (command === "status")
        for (const variant of manifest.variants) {
          const envelope = await readEnvelope(bucket, manifest, variant);
          console.log(
            `${name} ${variant.name}: ${envelope ? `kid ${envelope.kid}, wrapped ${envelope.wrappedAt}` : "missing"}`,
          );
        }
    }
  } finally {
    await dispose();
  }
}

/** MODEL_KEYS from the environment, else the operator's copy for the bucket the command works on. */
async function modelKeysSecret(): Promise<string | undefined> {
  if (process.env.MODEL_KEYS !== undefined) return process.env.MODEL_KEYS;
  if (!values.remote) return (await ensureDevVars()).MODEL_KEYS;
  // .dev.vars is `npm start`'s local keyring, never the account's.
  return values.env === undefined ? undefined : readSecretsFile(secretsFileFor(values.env)).MODEL_KEYS;
}
