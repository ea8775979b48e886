/**
 * `npm run deploy -- --env staging`: its checks come first. There is no Cloudflare account here,
 * so wrangler is faked where the account is needed (`secret list`, a real deploy) by
 * test/fake-wrangler.mjs, which hands `deploy --dry-run` to the real wrangler: the dry run bundles
 * the worker for real, as it would on an operator's machine.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readManifests } from "../models/recipe";
import { readSignature } from "../models/signing";
import { generateKeyJwk } from "../src/models/keyring";
import { signatureKey } from "../src/models/manifest";
import { generateSecretKey } from "../src/secret-keys";
import { changesAccount, fakeAccount } from "../test/fake-account";
import { writeDotenv } from "./local-state";

const SECRETS = {
  MODEL_KEYS: JSON.stringify({ keys: [generateKeyJwk("staging-test")] }),
  AUDIT_PEPPER: generateSecretKey(),
  AUDIT_SIGNING_KEY: generateSecretKey(),
  STATE_KEY: generateSecretKey(),
};
/** The identity provider staging's wrangler.toml leaves unset, given as overrides. */
const TOKEN_VERIFICATION = {
  JWT_ISSUER: "https://idp.example.com/",
  JWT_AUDIENCE: "https://api.staging.example.com",
  JWT_JWKS_URL: "https://idp.example.com/.well-known/jwks.json",
};
const scratch = mkdtempSync(path.join(tmpdir(), "bastion-deploy-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function secretsFile(secrets: Record<string, string>) {
  const file = path.join(scratch, `${crypto.randomUUID()}.env`);
  writeDotenv(file, secrets, []);
  return file;
}

describe("npm run deploy", () => {
  it("refuses the fresh staging configuration, naming the failing checks, and deploys nothing", async () => {
    const account = fakeAccount();
    // One model version in the bucket, but not the build whose signature is committed here.
    account.putObject("bastion-models-staging", "models/digits/1/model.sig", "another build's signature");
    try {
      // The operator holds sound secrets, but none is set in the account yet.
      const args = ["--env", "staging", "--secrets-file", secretsFile(SECRETS)];
      const { code, stdout, stderr } = await account.run("tools/deploy.ts", args);
      expect(code).toBe(1);
      expect(stdout).toContain("FAIL  token verification: JWT_ISSUER and JWT_AUDIENCE must be set");
      expect(stdout).toContain("fix: set JWT_ISSUER, JWT_AUDIENCE and JWT_JWKS_URL");
      expect(stdout).toMatch(/but not set in the account, so the worker will not have them: .*MODEL_KEYS/);
      expect(stdout).toContain("FAIL  the model keyring");
      expect(stderr).toContain("deploy: refused: bastion-staging would fail");
      expect(stderr).toContain("token verification");
      expect(stdout).toMatch(
        /FAIL {2}models published in bastion-models-staging: missing .*silero-vad@5; another build of digits@1/,
      );
      expect(account.calls().filter(changesAccount)).toEqual([]);
      for (const value of Object.values(SECRETS)) expect(stdout + stderr).not.toContain(value);
    } finally {
      account.dispose();
    }
  });

  it("passes a sound configuration and runs wrangler's own dry run, which bundles the worker", async () => {
    const account = fakeAccount({
      workers: { "bastion-staging": { secrets: { ...SECRETS, FERNET_KEYS: "set in the account only" } } },
      buckets: { "bastion-models-staging": { rules: [] } },
    });
    // Published earlier (by npm run provision): each version's signature stands for the whole of it.
    for (const manifest of await readManifests())
      account.putObject("bastion-models-staging", signatureKey(manifest), (await readSignature(manifest)) as string);
    const outdir = path.join(scratch, "bundle");
    try {
      const args = ["--env", "staging", "--dry-run", "--outdir", outdir, "--secrets-file", secretsFile(SECRETS)];
      const { code, stdout } = await account.run("tools/deploy.ts", args, TOKEN_VERIFICATION);
      expect(code).toBe(0);
      expect(stdout).toContain("0 fail");
      expect(stdout).toContain("PASS  models published in bastion-models-staging: 5 model versions");
      expect(stdout).toContain("WARN  Fernet keys: FERNET_KEYS set in the account; the value is not checked here");
      expect(stdout).toContain(
        `running: npx wrangler deploy --env staging --var JWT_ISSUER:${TOKEN_VERIFICATION.JWT_ISSUER}`,
      );
      // wrangler's own report of the bundle: the overrides went in as vars (it hides --var values).
      expect(stdout).toContain('env.JWT_ISSUER ("(hidden)")');
      expect(stdout).toContain("env.MODELS (bastion-models-staging)");
      expect(existsSync(path.join(outdir, "index.js"))).toBe(true);
      expect(account.calls().filter(changesAccount)).toEqual([]);
    } finally {
      account.dispose();
    }
  });

  it("deploys a failing configuration with --force, saying what will fail", async () => {
    const account = fakeAccount();
    try {
      const args = ["--env", "staging", "--force", "--secrets-file", path.join(scratch, "none.env")];
      const { code, stdout } = await account.run("tools/deploy.ts", args);
      expect(code).toBe(0);
      expect(stdout).toContain("--force: deploying anyway");
      expect(stdout).toContain(
        "token verification: no token verifies: every protected route answers 503 auth_not_configured",
      );
      expect(stdout).toContain("Deployed bastion-staging triggers");
      expect(
        account
          .calls()
          .filter(changesAccount)
          .map((c) => c.args),
      ).toEqual([["deploy", "--env", "staging"]]);
    } finally {
      account.dispose();
    }
  });
});
