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
import { jsonSettings } from "../json-settings";
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

export const parseReleaseSettings = jsonSettings(
  "RELEASE_POLICIES",
  settingsSchema,
  (message) => new ReleasePolicyNotConfigured(message),
);

export function functionReleasePolicy(settings: ReleaseSettings, fn: InferenceFunction, tier: string): ReleasePolicy {
  const tierPolicies = settings.tiers?.[tier] ?? {};
  return (
    tierPolicies[fn.name] ?? tierPolicies["*"] ?? settings.functions?.[fn.name] ?? resolvePolicy(fn.release.default)
  );
}
