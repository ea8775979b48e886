/**
 * One tenant's privacy budget ledger. The object runs one call at a time, so a check and its
 * charge cannot interleave with another's; past periods are dropped as a new one starts.
 */
import { DurableObject } from "cloudflare:workers";
import type { Charge } from "./types";

export class PrivacyLedger extends DurableObject {
  async charge(period: string, microRho: number, budgetMicroRho: number): Promise<Charge> {
    const spent = (await this.ctx.storage.get<number>(period)) ?? 0;
    if (spent + microRho > budgetMicroRho) return { granted: false, spentMicroRho: spent };
    const past = [...(await this.ctx.storage.list({ limit: 16 })).keys()].filter((key) => key !== period);
    if (past.length > 0) await this.ctx.storage.delete(past);
    await this.ctx.storage.put(period, spent + microRho);
    return { granted: true, spentMicroRho: spent + microRho };
  }
}
