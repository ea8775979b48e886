/**
 * What the worker of a deployment will run with, for the checks `npm run deploy` runs first, so
 * that what is checked is what is deployed:
 *   - the environment's vars from wrangler.toml, and any the process environment overrides, which
 *     deploy passes on to wrangler as `--var NAME:VALUE`;
 *   - its secrets as the account has them. A secret the operator holds (the secrets file, or a
 *     secret's name in the process environment) counts only if it is set in the account too, and
 *     then its value is judged; one set in the account that the operator holds no copy of is
 *     present but not judged. If the account could not be read, the operator's copies are all
 *     there is to judge.
 */
import { LOCAL_OVERRIDABLE_SETTINGS } from "../../env";
import { SECRET_NAMES } from "../provision/secrets";

export interface DeploymentSources {
  /** The environment's [vars] in wrangler.toml. */
  vars: Record<string, string>;
  /** The operator's secrets file for the environment. */
  secretsFile: Record<string, string>;
  processEnv: Record<string, string | undefined>;
  /** The names of the secrets set in the account; undefined if wrangler could not read them. */
  accountSecrets: ReadonlySet<string> | undefined;
}

export interface SettingsToDeploy {
  /** The settings to judge. */
  settings: Record<string, string | undefined>;
  /** Secrets set in the account that the operator holds no copy of: present, not judged. */
  onlyInAccount: ReadonlySet<string>;
  /** Secrets the operator holds that are not set in the account: the deployed worker lacks them. */
  notInAccount: string[];
  /** Vars the process environment overrides: passed to `wrangler deploy` as --var. */
  varOverrides: Record<string, string>;
}

export function settingsToDeploy(sources: DeploymentSources): SettingsToDeploy {
  const { vars, processEnv, accountSecrets } = sources;
  const overridden = (name: string) =>
    !SECRET_NAMES.has(name) && processEnv[name] !== undefined && processEnv[name] !== vars[name];
  const varOverrides = Object.fromEntries(
    LOCAL_OVERRIDABLE_SETTINGS.filter(overridden).map((name) => [name, processEnv[name] as string]),
  );
  const held: Record<string, string> = { ...sources.secretsFile };
  for (const name of SECRET_NAMES) if (processEnv[name] !== undefined) held[name] = processEnv[name] as string;
  const heldNames = Object.keys(held);
  const deployed = accountSecrets ? heldNames.filter((name) => accountSecrets.has(name)) : heldNames;
  return {
    settings: { ...vars, ...varOverrides, ...Object.fromEntries(deployed.map((name) => [name, held[name]])) },
    onlyInAccount: new Set([...(accountSecrets ?? [])].filter((name) => !(name in held))),
    notInAccount: accountSecrets ? heldNames.filter((name) => !accountSecrets.has(name)) : [],
    varOverrides,
  };
}
