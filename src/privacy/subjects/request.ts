/** The body of an operator's request about one data subject: the subject travels here, never in a URL. */
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../env";
import { parseWith, readJson, requireJson } from "../../request/body";
import type { Subject } from "./types";

/** Far more than a subject and a tenant need. */
export const SUBJECT_REQUEST_BYTES = 4096;

const subjectRequest = z
  .object({
    sub: z.string().min(1).max(1024).describe("the token subject (`sub`) whose key is meant"),
    tenant: z.string().min(1).max(1024).optional().describe("their tenant, if their tokens carry one"),
  })
  .strict();

export function readSubject(c: Context<AppEnv>): Subject {
  requireJson(c);
  const { sub, tenant } = parseWith(subjectRequest, readJson(c));
  return { subject: sub, tenant };
}
