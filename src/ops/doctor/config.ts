/**
 * Configuration checks: the deployment's settings (wrangler.toml's vars and the secrets, as one
 * environment) judged by the parsers the worker itself runs, so a setting the doctor passes is one
 * the worker accepts, plus what the worker tolerates but an auditor would not (a short audit
 * retention, HMAC tokens, plain-http origins). Values of secrets never appear in a result.
 */
import { AUDIT_SECRETS } from "../../audit/secrets";
import { parseAuthConfig } from "../../auth/config";
import { parseCorsOrigins } from "../../cors/origins";
import type { Bindings } from "../../env";
import { importKeyring } from "../../models/keyring";
import { fernetKeysProblem } from "../../privacy/sealing/keyring";
import { rateLimitSettingsFor } from "../../ratelimit/policy";
import { stateSettingsProblem } from "../../release/state-key";
import { secretKeyProblem } from "../../secret-keys";
import type { CheckResult } from "./types";

/** The EU AI Act's floor for deployers' logs (Art. 26(6)): six months. */
export const MIN_RETENTION_DAYS = 180;

type Settings = Record<string, string | undefined>;

/**
 * `accountSecrets`: the names of the secrets set in the deployment's account (`npm run deploy`
 * reads them with wrangler). One set there but absent from `settings` is present, so no fail, but
 * its value cannot be judged here: a warn that says so.
 */
export async function configurationChecks(
  settings: Settings,
  accountSecrets: ReadonlySet<string> = new Set(),
): Promise<CheckResult[]> {
  const env = settings as unknown as Bindings;
  const onlyInAccount = (names: readonly string[]) => names.filter((n) => !settings[n] && accountSecrets.has(n));
  const unlessOnlyInAccount = (name: string, result: CheckResult) =>
    onlyInAccount([name]).length > 0 ? setInAccount(result, [name]) : result;
  return [
    unlessOnlyInAccount("MODEL_KEYS", await modelKeys(settings)),
    auditing(settings, onlyInAccount(AUDIT_SECRETS)),
    unlessOnlyInAccount(
      "STATE_KEY",
      fromProblem(
        "state-key",
        "the key sealing recurrent state",
        stateSettingsProblem(env),
        "STATE_KEY set",
        "wrangler secret put STATE_KEY: 32 random bytes, base64url",
      ),
    ),
    unlessOnlyInAccount(
      "FERNET_KEYS",
      settings.FERNET_KEYS === undefined
        ? { id: "fernet-keys", title: "Fernet keys", status: "pass", detail: "not set: sealed fields are not offered" }
        : fromProblem(
            "fernet-keys",
            "Fernet keys",
            fernetKeysProblem(env),
            "FERNET_KEYS well formed",
            "npm run fernet -- keygen, then wrangler secret put FERNET_KEYS",
          ),
    ),
    tokenVerification(settings),
    parsed(
      "rate-limits",
      "rate limits",
      () => rateLimitSettingsFor(env),
      "RATE_LIMITS parses",
      "fix RATE_LIMITS (README, Rate limits)",
    ),
    retention(settings),
    corsOrigins(settings),
  ];
}

/** Secrets the account holds and this machine has no copy of: present, their values not judged. */
function setInAccount({ id, title }: Pick<CheckResult, "id" | "title">, names: readonly string[]): CheckResult {
  return {
    id,
    title,
    status: "warn",
    detail: `${names.join(" and ")} set in the account; the value is not checked here`,
    fix: "keep the operator's copy in the environment's secrets file (.dev.vars.NAME) to have it checked",
  };
}

/** Every outcome audited: AUDIT not switched off, and both audit secrets well formed (or set in the account). */
function auditing(settings: Settings, onlyInAccount: readonly string[]): CheckResult {
  const base = {
    id: "audit",
    title: "the audit log",
    fix: "remove AUDIT=off; wrangler secret put AUDIT_PEPPER and AUDIT_SIGNING_KEY: 32 random bytes, base64url",
  };
  if (settings.AUDIT === "off") return { ...base, status: "fail", detail: "AUDIT is off: predictions are not audited" };
  for (const name of AUDIT_SECRETS) {
    if (onlyInAccount.includes(name)) continue;
    const value = settings[name];
    const problem = value ? secretKeyProblem(name, value) : "is not set";
    if (problem) return { ...base, status: "fail", detail: `${name} ${problem}` };
  }
  if (onlyInAccount.length > 0) return setInAccount(base, onlyInAccount);
  const { fix: _, ...passed } = base;
  return { ...passed, status: "pass", detail: "on, with AUDIT_PEPPER and AUDIT_SIGNING_KEY set" };
}

async function modelKeys(settings: Settings): Promise<CheckResult> {
  const title = "the model keyring";
  try {
    const keyring = await importKeyring(settings.MODEL_KEYS, ["unwrapKey"]);
    return {
      id: "model-keys",
      title,
      status: "pass",
      detail: `${keyring.kids.length} key(s), current ${keyring.kids[0]}`,
    };
  } catch (error) {
    return {
      id: "model-keys",
      title,
      status: "fail",
      detail: (error as Error).message,
      fix: 'npm run models -- keygen, then wrangler secret put MODEL_KEYS with {"keys": [KEY]}',
    };
  }
}

function tokenVerification(settings: Settings): CheckResult {
  const id = "token-verification";
  const title = "token verification";
  let config: ReturnType<typeof parseAuthConfig>;
  try {
    config = parseAuthConfig(settings);
  } catch (error) {
    return {
      id,
      title,
      status: "fail",
      detail: (error as Error).message,
      fix: "set JWT_ISSUER, JWT_AUDIENCE and JWT_JWKS_URL (README, Access tokens)",
    };
  }
  const detail = `issuer ${config.issuer}, audience ${config.audience.join(", ")}, algorithms ${config.algorithms.join(", ")}`;
  if (config.algorithms.some((a) => a.startsWith("HS")))
    return {
      id,
      title,
      status: "warn",
      detail: `${detail}: a shared HMAC secret lets anyone who verifies tokens also mint them`,
      fix: "prefer an asymmetric algorithm and JWT_JWKS_URL",
    };
  if (config.keySource.kind === "remote" && config.keySource.url.protocol !== "https:")
    return {
      id,
      title,
      status: "warn",
      detail: `${detail}: JWT_JWKS_URL is plain http (loopback only)`,
      fix: "use the identity provider's https JWKS URL outside local development",
    };
  return { id, title, status: "pass", detail };
}

function retention(settings: Settings): CheckResult {
  const days = Number(settings.AUDIT_RETENTION_DAYS);
  const base = { id: "audit-retention", title: "audit log retention" };
  if (!Number.isInteger(days) || days <= 0)
    return {
      ...base,
      status: "fail",
      detail: `AUDIT_RETENTION_DAYS is ${JSON.stringify(settings.AUDIT_RETENTION_DAYS)}, not a number of days`,
      fix: `AUDIT_RETENTION_DAYS = "${MIN_RETENTION_DAYS}" in wrangler.toml`,
    };
  if (days < MIN_RETENTION_DAYS)
    return {
      ...base,
      status: "fail",
      detail: `${days} days: the EU AI Act asks deployers to keep logs at least six months (Art. 26(6))`,
      fix: `AUDIT_RETENTION_DAYS = "${MIN_RETENTION_DAYS}" or more`,
    };
  return { ...base, status: "pass", detail: `${days} days` };
}

function corsOrigins(settings: Settings): CheckResult {
  const base = { id: "cors-origins", title: "web origins allowed (CORS)" };
  let origins: ReadonlySet<string>;
  try {
    origins = parseCorsOrigins(settings.CORS_ORIGINS);
  } catch (error) {
    return {
      ...base,
      status: "fail",
      detail: (error as Error).message,
      fix: "CORS_ORIGINS: exact origins, comma-separated (https://app.example.com)",
    };
  }
  const plain = [...origins].filter(
    (o) => o.startsWith("http:") && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(o),
  );
  if (plain.length > 0)
    return {
      ...base,
      status: "warn",
      detail: `plain-http origins: ${plain.join(", ")}`,
      fix: "serve those pages over https, or drop them",
    };
  return {
    ...base,
    status: "pass",
    detail: origins.size === 0 ? "none: no web page may call the API" : [...origins].join(", "),
  };
}

function fromProblem(id: string, title: string, problem: string | undefined, ok: string, fix: string): CheckResult {
  return problem === undefined
    ? { id, title, status: "pass", detail: ok }
    : { id, title, status: "fail", detail: problem, fix };
}

function parsed(id: string, title: string, parse: () => unknown, ok: string, fix: string): CheckResult {
  try {
    parse();
    return { id, title, status: "pass", detail: ok };
  } catch (error) {
    return { id, title, status: "fail", detail: (error as Error).message, fix };
  }
}
