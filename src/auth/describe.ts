/** The caller as Bastion sees them (`GET /v1/principal`), to debug a token's claims. */
import { z } from "zod";
import type { Principal } from "./types";

export const principalDescriptionSchema = z.object({
  subject: z.string(),
  clientId: z.string().optional(),
  tenant: z.string().optional(),
  tier: z.string(),
  scopes: z.array(z.string()).describe("sorted"),
  tokenId: z.string().optional(),
});

export function describePrincipal(principal: Principal): z.infer<typeof principalDescriptionSchema> {
  return { ...principal, scopes: [...principal.scopes].sort() };
}
