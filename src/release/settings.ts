/**
 * The policy a request is released under. For a principal calling a function, later entries win:
 *
 *   the function's default (its file) < RELEASE_POLICIES.functions[name]
 *     < RELEASE_POLICIES.tiers[tier]["*"] < RELEASE_POLICIES.tiers[tier][name]
 *
 * Each entry is a whole policy, `{"name": "rounded", "decimals": 2}` (parameters left out take
 * ART's defaults), never merged with the one it replaces. `RELEASE_POLICIES` is one JSON
 * setting, e.g. {"functions": {"text-orientation": {"name": "label-only"}},
 * "tiers": {"internal": {"*": {"name": "full"}}}}. A malformed one closes inference (503).
 */
import { z } from "zod";
import { ReleasePolicyNotConfigured } from "../errors";
import type { InferenceFunction } from "../functions/define";
import { policySettingSchema, resolvePolicy } from "./policies";
import type { ReleasePolicy } from "./types";

const settingsSchema = z
  .object({
    functions: z.record(z.string(), policySettingSchema),
    tiers: z.record(z.string(), z.record(z.string(), policySettingSchema)),
  })
  .partial()
  .strict();

export type ReleaseSettings = z.infer<typeof settingsSchema>;

/** The last setting parsed, and its outcome: requests read it on every inference. */
let parsed: { json: string | undefined; settings?: ReleaseSettings; error?: ReleasePolicyNotConfigured } | undefined;

export function parseReleaseSettings(json: string | undefined): ReleaseSettings {
  if (parsed === undefined || parsed.json !== json) parsed = { json, ...parseOnce(json) };
  const { settings, error } = parsed;
  if (error) throw error;
  return settings as ReleaseSettings;
}

function parseOnce(json: string | undefined): { settings?: ReleaseSettings; error?: ReleasePolicyNotConfigured } {
  if (!json) return { settings: {} };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { error: new ReleasePolicyNotConfigured("RELEASE_POLICIES is not valid JSON") };
  }
  const result = settingsSchema.safeParse(value);
  if (result.success) return { settings: result.data };
  const issue = result.error.issues[0];
  return { error: new ReleasePolicyNotConfigured(`RELEASE_POLICIES.${issue.path.join(".")}: ${issue.message}`) };
}

export function functionReleasePolicy(settings: ReleaseSettings, fn: InferenceFunction, tier: string): ReleasePolicy {
  const tierPolicies = settings.tiers?.[tier] ?? {};
  return (
    tierPolicies[fn.name] ?? tierPolicies["*"] ?? settings.functions?.[fn.name] ?? resolvePolicy(fn.release.default)
  );
}
