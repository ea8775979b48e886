/**
 * `npm run provision -- --env staging` against a Cloudflare account. There is no account here, so
 * wrangler is faked at the process boundary: the tool runs test/fake-wrangler.mjs (WRANGLER) as
 * it would run wrangler, and the fake keeps the account in a temporary directory, answers as
 * wrangler 4.86 does and records every call. The operator's secrets file is a temporary one too.
 */
import { readFileSync, statSync } from "node:fs";
import { parseEnv } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { readManifests } from "../models/recipe";
import { desiredResources } from "../src/ops/provision/desired";
import { planProvisioning } from "../src/ops/provision/plan";
import { ProvisioningRefused } from "../src/ops/provision/types";
import { changesAccount, fakeAccount } from "../test/fake-account";
import { readWranglerEnvironment } from "./deployment";

const STAGING = readWranglerEnvironment("staging");
const REQUIRED_SECRETS = ["MODEL_KEYS", "AUDIT_PEPPER", "AUDIT_SIGNING_KEY", "STATE_KEY"];

async function provision(account: ReturnType<typeof fakeAccount>, ...args: string[]) {
  const before = account.calls().length;
  const outcome = await account.run("tools/provision.ts", [
    "--env",
    "staging",
    "--secrets-file",
    account.file("dev.vars.staging"),
    ...args,
  ]);
  return { ...outcome, changes: account.calls().slice(before).filter(changesAccount) };
}

describe("npm run provision, dry run", () => {
  const account = fakeAccount();
  afterAll(account.dispose);

  it("plans a fresh environment: every bucket, queue, dead-letter queue, lifecycle rule, secret and model", async () => {
    const { code, stdout, changes } = await provision(account, "--dry-run", "--generate-secrets");
    expect(code).toBe(0);
    for (const command of [
      "r2 bucket create bastion-models-staging",
      "r2 bucket create bastion-audit-staging",
      "queues create bastion-audit-staging",
      "queues create bastion-audit-staging-dlq",
      "r2 bucket lifecycle add bastion-audit-staging audit-retention audit/date= --expire-days 180",
      "r2 bucket lifecycle add bastion-audit-staging dead-letter-retention audit-dead-letter/ --expire-days 180",
      ...REQUIRED_SECRETS.map((name) => `secret put ${name} --env staging < <generated>`),
      "r2 object put bastion-models-staging/models/digits/1/general.onnx.enc --pipe --env staging --remote",
    ])
      expect(stdout).toContain(`would run: npx wrangler ${command}`);
    for (const optional of ["FERNET_KEYS", "UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"])
      expect(stdout).toMatch(new RegExp(`secret ${optional}: missing, for the operator\\n +optional`));
    expect(stdout).toMatch(/Durable Objects RateLimiter, AuditLog.*: made by deploy\n.*migrations v1, v2, v3, v4, v5/);
    expect(stdout).toContain("nothing was changed");
    expect(changes).toEqual([]);
    expect(() => statSync(account.file("dev.vars.staging"))).toThrow();
  });

  it("plans without an account wrangler cannot read, saying so; a real run refuses", async () => {
    const loggedOut = fakeAccount({ loggedIn: false });
    try {
      const dry = await provision(loggedOut, "--dry-run");
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain("wrangler could not read the account: In a non-interactive environment");
      expect(dry.stdout).toContain("Planning for a fresh environment.");
      expect(dry.stdout).toContain("would run: npx wrangler queues create bastion-audit-staging-dlq");
      expect(dry.stdout).toMatch(/secret MODEL_KEYS: missing, for the operator\n +--generate-secrets sets it/);
      const real = await provision(loggedOut);
      expect(real.code).toBe(1);
      expect(real.stderr).toContain("npx wrangler login");
      expect(real.stdout).not.toContain("running:");
    } finally {
      loggedOut.dispose();
    }
  });
});

describe("npm run provision, for real", () => {
  const account = fakeAccount();
  afterAll(account.dispose);

  it("creates everything, and pipes generated secrets to wrangler without printing them", async () => {
    const { code, stdout, stderr } = await provision(account, "--generate-secrets");
    expect(code).toBe(0);
    const state = account.state();
    expect(Object.keys(state.buckets).sort()).toEqual(["bastion-audit-staging", "bastion-models-staging"]);
    expect(state.queues.sort()).toEqual(["bastion-audit-staging", "bastion-audit-staging-dlq"]);
    expect(state.buckets["bastion-audit-staging"].rules).toEqual([
      { name: "audit-retention", enabled: true, prefix: "audit/date=", expireDays: 180 },
      { name: "dead-letter-retention", enabled: true, prefix: "audit-dead-letter/", expireDays: 180 },
    ]);

    // The operator's copy: only the owner may read it; each value reached wrangler on stdin alone.
    const file = account.file("dev.vars.staging");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const kept = parseEnv(readFileSync(file, "utf8")) as Record<string, string>;
    expect(Object.keys(kept).sort()).toEqual([...REQUIRED_SECRETS].sort());
    const puts = account.calls().filter((c) => c.args[0] === "secret" && c.args[1] === "put");
    expect(puts.map((c) => [c.args[2], c.stdin]).sort()).toEqual(Object.entries(kept).sort());
    expect(state.workers["bastion-staging"].secrets).toEqual(kept);
    for (const value of Object.values(kept)) {
      expect(stdout).not.toContain(value);
      expect(stderr).not.toContain(value);
    }
    for (const c of account.calls()) for (const value of Object.values(kept)) expect(c.args).not.toContain(value);

    // Every model's signature and each variant's ciphertext and envelope, encrypted under MODEL_KEYS.
    const manifests = await readManifests();
    const published = account.calls().filter((c) => c.args.slice(0, 3).join(" ") === "r2 object put");
    expect(published).toHaveLength(manifests.reduce((n, m) => n + 1 + 2 * m.variants.length, 0));
    expect(stdout).toMatch(/digits@1 general: encrypted/);
  });

  it("changes nothing the second time: nothing created, published or replaced", async () => {
    const kept = readFileSync(account.file("dev.vars.staging"), "utf8");
    const secrets = account.state().workers["bastion-staging"].secrets;
    const { code, stdout, changes } = await provision(account, "--generate-secrets");
    expect(code).toBe(0);
    expect(changes).toEqual([]);
    expect(stdout).toContain("Nothing to change.");
    expect(stdout).toMatch(/digits@1 general: up-to-date/);
    expect(readFileSync(account.file("dev.vars.staging"), "utf8")).toBe(kept);
    expect(account.state().workers["bastion-staging"].secrets).toEqual(secrets);
  });

  it("plans nothing to create for the environment now there", async () => {
    const { code, stdout, changes } = await provision(account, "--dry-run");
    expect(code).toBe(0);
    expect(changes).toEqual([]);
    expect(stdout).not.toContain("would run");
    expect(stdout).not.toContain("to create");
    for (const present of [
      "R2 bucket bastion-models-staging",
      "R2 bucket bastion-audit-staging",
      "queue bastion-audit-staging",
      "dead-letter queue bastion-audit-staging-dlq",
      "lifecycle rule audit-retention on bastion-audit-staging",
      "lifecycle rule dead-letter-retention on bastion-audit-staging",
      ...REQUIRED_SECRETS.map((name) => `secret ${name}`),
    ])
      expect(stdout).toContain(`  ${present}: present`);
    expect(stdout).toContain("Nothing to change.");
  });
});

describe("retention of the audit log", () => {
  it("refuses an AUDIT_RETENTION_DAYS below 180 days", () => {
    const short = { ...STAGING, vars: { ...STAGING.vars, AUDIT_RETENTION_DAYS: "90" } };
    expect(() => desiredResources("staging", short)).toThrow(ProvisioningRefused);
    expect(() => desiredResources("staging", short)).toThrow(/at least 180 days \(EU AI Act Art\. 26\(6\)\)/);
  });

  it("leaves a lifecycle rule that would delete the log sooner as a conflict, never changing it", () => {
    const desired = desiredResources("staging", STAGING);
    const items = planProvisioning(
      desired,
      {
        readable: true,
        buckets: new Set([desired.auditBucket]),
        queues: new Set(),
        secrets: new Set(),
        auditRules: [{ name: "cleanup", enabled: true, prefix: "", expireDays: 30 }],
      },
      { operatorSecrets: {}, secretsFile: ".dev.vars.staging", generateSecrets: false },
    );
    const conflict = items.find((item) => item.status === "conflict");
    expect(conflict).toMatchObject({ what: "lifecycle rule cleanup on bastion-audit-staging" });
    expect(conflict?.step).toBeUndefined();
    expect(conflict?.detail).toContain("npx wrangler r2 bucket lifecycle remove bastion-audit-staging --name cleanup");
  });
});
