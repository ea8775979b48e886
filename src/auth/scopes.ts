/**
 * Scopes from `scope` (space-separated, RFC 8693/9068) or `scp` (an array, or a string as Entra ID
 * sends it), and what they allow: a function's own scope (default `infer:<name>`) or `infer:*`
 * to call it; those or `models:read` to read its model's metadata; and, beside a scope that calls
 * it, `infer:raw` to receive its raw OIP outputs (probability maps, recurrent state, logits: see
 * src/release/types.ts). `infer:*` does not include `infer:raw`.
 */
import type { InferenceFunction } from "../functions/define";
import type { Principal } from "./types";

export const ALL_FUNCTIONS_SCOPE = "infer:*";
export const MODELS_READ_SCOPE = "models:read";
/** Operators: clearing a principal the probing detector stopped (and later admin routes). */
export const ADMIN_SCOPE = "admin";
/** A tenant's own usage statistics, released with differential privacy (src/privacy/usage). */
export const USAGE_READ_SCOPE = "usage:read";
/** Raw model outputs on OIP, for callers that handle them themselves (a pipeline of their own). */
export const RAW_OUTPUTS_SCOPE = "infer:raw";

export function scopesFrom(claims: Record<string, unknown>): Set<string> {
  const scopes = new Set<string>();
  for (const claim of [claims.scope, claims.scp]) {
    const values = typeof claim === "string" ? claim.split(" ") : Array.isArray(claim) ? claim : [];
    for (const value of values) if (typeof value === "string" && value) scopes.add(value);
  }
  return scopes;
}

/** The scopes that let a caller invoke `fn`; the first is the one a 403 names. */
export function invokeScopes(fn: InferenceFunction): string[] {
  return [fn.scope, ALL_FUNCTIONS_SCOPE];
}

export function readScopes(fn: InferenceFunction): string[] {
  return [fn.scope, ALL_FUNCTIONS_SCOPE, MODELS_READ_SCOPE];
}

export function holdsAny(principal: Principal, scopes: string[]): boolean {
  return scopes.some((scope) => principal.scopes.has(scope));
}
