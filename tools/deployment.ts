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
import { DEV_VARS, ROOT } from "./local-state";

/** The parts of a wrangler.toml environment that provisioning and the checks read. */
export interface WranglerEnvironment {
  name: string;
  vars?: Record<string, string>;
  r2_buckets?: { binding: string; bucket_name: string }[];
  queues?: {
    producers?: { binding: string; queue: string }[];
    consumers?: { queue: string; dead_letter_queue?: string }[];
  };
  durable_objects?: { bindings?: { name: string; class_name: string }[] };
}

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
  // As wrangler does: the name is inherited with the environment's suffix; bindings and vars are not.
  return { ...section, name: section.name ?? `${config.name}-${env}` };
}

/** Where the operator's copy of an environment's secrets lives (mode 600, git-ignored). */
export const secretsFileFor = (env?: string) => (env === undefined ? DEV_VARS : `${DEV_VARS}.${env}`);

export function readSecretsFile(file: string): Record<string, string> {
  return existsSync(file) ? (parseEnv(readFileSync(file, "utf8")) as Record<string, string>) : {};
}

/** Every setting the worker of this environment would see: vars, then secrets, then the environment. */
export function deploymentSettings(
  env?: string,
  secretsFile = secretsFileFor(env),
): Record<string, string | undefined> {
  return { ...readWranglerEnvironment(env).vars, ...readSecretsFile(secretsFile), ...process.env };
}
