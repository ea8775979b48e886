/**
 * `npm run doctor` on a configuration: a sound one passes every check (exit 0), and each planted
 * weakness is named, with its fix, and fails the run (exit 1) or warns.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { base64url } from "../src/models/base64url";
import { generateKeyJwk } from "../src/models/keyring";
import type { CheckResult } from "../src/ops/doctor/types";

const run = promisify(execFile);
const scratch = mkdtempSync(path.join(tmpdir(), "bastion-doctor-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const secret = () => base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
const SOUND: Record<string, string> = {
  MODEL_KEYS: JSON.stringify({ keys: [generateKeyJwk("prod-2026-11")] }),
  AUDIT_PEPPER: secret(),
  AUDIT_SIGNING_KEY: secret(),
  STATE_KEY: secret(),
  JWT_ISSUER: "https://idp.example.com/",
  JWT_AUDIENCE: "https://api.example.com",
  JWT_JWKS_URL: "https://idp.example.com/.well-known/jwks.json",
  CORS_ORIGINS: "https://app.example.com",
};

/** The doctor's JSON report and exit code for these settings (an env file, plus overrides). */
async function doctor(settings: Record<string, string>, overrides: Record<string, string> = {}, args: string[] = []) {
  const file = path.join(scratch, `${crypto.randomUUID()}.env`);
  writeFileSync(
    file,
    Object.entries(settings)
      .map(([k, v]) => `${k}='${v}'`)
      .join("\n"),
  );
  const argv = ["--import", "tsx", "tools/doctor.ts", "--secrets-file", file, "--json", ...args];
  const outcome = await run(process.execPath, argv, { env: { ...process.env, ...overrides } }).then(
    ({ stdout }) => ({ stdout, code: 0 }),
    (error: { stdout: string; code: number }) => ({ stdout: error.stdout, code: error.code }),
  );
  const { results, notes } = JSON.parse(outcome.stdout) as { results: CheckResult[]; notes?: string[] };
  return { code: outcome.code, notes, byId: Object.fromEntries(results.map((r) => [r.id, r])) };
}

describe("npm run doctor, configuration", () => {
  it("passes a sound configuration, every check", async () => {
    const { code, byId } = await doctor(SOUND);
    expect(Object.values(byId).filter((r) => r.status !== "pass")).toEqual([]);
    expect(Object.keys(byId).sort()).toEqual(
      [
        "audit",
        "audit-retention",
        "cors-origins",
        "fernet-keys",
        "model-keys",
        "models-signed",
        "rate-limits",
        "state-key",
        "token-verification",
      ].sort(),
    );
    expect(code).toBe(0);
  });

  it("names each planted weakness with its fix, and fails the run", async () => {
    const { STATE_KEY: _, ...withoutStateKey } = SOUND;
    const weakened = {
      ...withoutStateKey,
      MODEL_KEYS: "{not json",
      AUDIT: "off",
      JWT_ALGORITHMS: "HS256",
      JWT_HMAC_SECRET: "x".repeat(40),
      CORS_ORIGINS: "http://app.example.com",
    };
    const { code, byId } = await doctor(weakened, { AUDIT_RETENTION_DAYS: "30" });
    expect(code).toBe(1);
    const verdicts = Object.fromEntries(Object.entries(byId).map(([id, r]) => [id, r.status]));
    expect(verdicts).toMatchObject({
      "model-keys": "fail",
      audit: "fail",
      "state-key": "fail",
      "token-verification": "warn",
      "cors-origins": "warn",
      "audit-retention": "fail",
      "rate-limits": "pass",
    });
    expect(byId["audit-retention"].detail).toContain("Art. 26(6)");
    expect(byId["token-verification"].detail).toContain("mint");
    for (const r of Object.values(byId)) if (r.status !== "pass") expect(r.fix).toBeTruthy();
    // No secret's value in the report.
    expect(JSON.stringify(byId)).not.toContain(weakened.JWT_HMAC_SECRET);
    expect(JSON.stringify(byId)).not.toContain(SOUND.AUDIT_PEPPER);
  });

  // The real wrangler, logged in to no account here: the doctor says so and judges the operator's copies.
  it("checks a deployed environment as deploy would, saying when the account cannot be read", async () => {
    const { JWT_ISSUER, JWT_AUDIENCE, JWT_JWKS_URL, CORS_ORIGINS: _, ...secrets } = SOUND;
    const fresh = await doctor(secrets, {}, ["--env", "staging"]);
    expect(fresh.notes?.join("\n")).toContain("wrangler could not read the account's secrets");
    expect(fresh.byId["token-verification"]).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("JWT_ISSUER"),
    });
    expect(fresh.byId["models-published"]).toMatchObject({
      status: "skip",
      title: "models published in bastion-models-staging",
    });
    expect(fresh.code).toBe(1);
    // Staging's identity provider given (as deploy passes an override on): nothing fails.
    const configured = await doctor(secrets, { JWT_ISSUER, JWT_AUDIENCE, JWT_JWKS_URL }, ["--env", "staging"]);
    expect(Object.values(configured.byId).filter((r) => r.status === "fail")).toEqual([]);
    expect(configured.code).toBe(0);
  });
});
