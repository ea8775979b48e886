/**
 * A deployment's configuration as wrangler will deploy it: wrangler.toml (the top level for
 * `npm start`, or one of its [env.NAME] sections), the secrets the operator holds for it (the
 * git-ignored .dev.vars, or .dev.vars.NAME, wrangler's own convention for an environment), and the
 * process environment, which wins. Shared by `npm run doctor`, `provision` and `deploy`.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseEnv } from "node:util";
import { parse as parseToml } from "smol-toml";
import type { WranglerEnvironment } from "../src/ops/provision/types";
import { DEV_VARS, ROOT } from "./local-state";

interface WranglerConfig extends WranglerEnvironment {
  env?: Record<string, Partial<WranglerEnvironment>>;
}

export const WRANGLER_TOML = path.join(ROOT, "wrangler.toml");

/** The named environment's settings, or the top level's without a name. */
export function readWranglerEnvironment(env?: string, file = WRANGLER_TOML): WranglerEnvironment {
  const config = parseToml(readFileSync(file, "utf8")) as unknown as WranglerConfig;
  if (env === undefined) return config;
  const section = config.env?.[env];
  if (!section) {
    const known = Object.keys(config.env ?? {}).join(", ") || "none";
    throw new Error(`wrangler.toml has no [env.${env}] (environments: ${known})`);
  }
  // As wrangler does: the name is inherited with the environment's suffix, and the migrations;
  // bindings and vars are not.
  return {
    ...section,
    name: section.name ?? `${config.name}-${env}`,
    migrations: section.migrations ?? config.migrations,
  };
}

/** Where the operator's copy of an environment's secrets lives (mode 600, git-ignored). */
export const secretsFileFor = (env?: string) => (env === undefined ? DEV_VARS : `${DEV_VARS}.${env}`);

/** The environment a CLI's `--env NAME` names, and its secrets file (`--secrets-file FILE`, default .dev.vars.NAME). */
export interface TargetEnvironment {
  env: string;
  environment: WranglerEnvironment;
  secretsFile: string;
  /** The secrets file as messages name it. */
  shownFile: string;
}

/** Reads the options; what is wrong with them goes to `usage`, which ends the CLI. */
export function targetEnvironment(
  options: { env?: string; "secrets-file"?: string },
  usage: (problem: string) => never,
): TargetEnvironment {
  const { env } = options;
  if (!env) usage("--env NAME is required: an environment of wrangler.toml");
  let environment: WranglerEnvironment;
  try {
    environment = readWranglerEnvironment(env);
  } catch (error) {
    usage((error as Error).message);
  }
  const secretsFile = path.resolve(options["secrets-file"] ?? secretsFileFor(env));
  return { env, environment, secretsFile, shownFile: displayPath(secretsFile) };
}

/** A file as messages name it: relative to the checkout when inside it. */
export function displayPath(file: string): string {
  const relative = path.relative(ROOT, file);
  return relative.startsWith("..") ? file : relative;
}

export function readSecretsFile(file: string): Record<string, string> {
  return existsSync(file) ? (parseEnv(readFileSync(file, "utf8")) as Record<string, string>) : {};
}

/** Every setting `npm start`'s worker sees: the top level's vars, then the secrets file, then the environment. */
export function localSettings(secretsFile = DEV_VARS): Record<string, string | undefined> {
  return { ...readWranglerEnvironment().vars, ...readSecretsFile(secretsFile), ...process.env };
}
