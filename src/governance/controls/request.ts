/** An operator's stop or resume request: its body, read and checked. */
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../env";
import { parseWith, readJson, requireJson } from "../../request/body";

/** Stop and resume bodies are a few hundred bytes; a 4 KiB cap leaves room and refuses floods. */
export const CONTROL_REQUEST_BYTES = 4096;

const principalDigest = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "a principal's digest (src/auth/principal-digest.ts)");

const stopRequest = z
  .object({
    reason: z.string().trim().min(1).max(500),
    publicReason: z.string().trim().min(1).max(200).optional(),
    principal: principalDigest.optional(),
  })
  .strict();

const resumeRequest = z
  .object({ reason: z.string().trim().min(1).max(500).optional(), principal: principalDigest.optional() })
  .strict();

const versionRequest = z.discriminatedUnion("action", [
  z
    .object({
      action: z.literal("promote"),
      version: z.string().min(1),
      reason: z.string().trim().min(1).max(500).optional(),
    })
    .strict(),
  z.object({ action: z.literal("rollback"), reason: z.string().trim().min(1).max(500).optional() }).strict(),
  z
    .object({
      action: z.literal("canary"),
      version: z.string().min(1),
      percent: z.number().int().min(0).max(100),
      reason: z.string().trim().min(1).max(500).optional(),
    })
    .strict(),
]);
export type VersionRequest = z.infer<typeof versionRequest>;

export function readVersionRequest(c: Context<AppEnv>): VersionRequest {
  requireJson(c);
  return parseWith(versionRequest, readJson(c));
}

export function readStopRequest(c: Context<AppEnv>) {
  requireJson(c);
  return parseWith(stopRequest, readJson(c));
}

export function readResumeRequest(c: Context<AppEnv>) {
  requireJson(c);
  return parseWith(resumeRequest, readJson(c));
}
