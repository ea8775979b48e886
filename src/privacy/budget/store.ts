/** Which ledger: PrivacyLedger Durable Objects, or Redis with PRIVACY_STORE=redis (src/state-store.ts). */
import { PrivacyStoreUnavailable } from "../../errors";
import { stateStore } from "../../state-store";
import { redisLedger } from "./redis";
import type { BudgetLedger } from "./types";

export const budgetLedgers = () =>
  stateStore<BudgetLedger>({
    setting: "PRIVACY_STORE",
    binding: "PRIVACY_LEDGER",
    unavailable: (message) => new PrivacyStoreUnavailable(message),
    inRedis: redisLedger,
    inDurableObjects: ({ PRIVACY_LEDGER: namespace }) =>
      namespace && {
        charge: (tenantKey, period, microRho, budget) =>
          namespace.get(namespace.idFromName(tenantKey)).charge(period.id, microRho, budget),
      },
  });
