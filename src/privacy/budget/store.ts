/** Which ledger: PrivacyLedger Durable Objects, or Redis with PRIVACY_STORE=redis (src/privacy/store.ts). */
import { privacyStores } from "../store";
import { redisLedger } from "./redis";
import type { BudgetLedger } from "./types";

export const budgetLedgers = () =>
  privacyStores<BudgetLedger>("PRIVACY_LEDGER", redisLedger, ({ PRIVACY_LEDGER: namespace }) =>
    namespace
      ? {
          charge: (tenantKey, period, microRho, budget) =>
            namespace.get(namespace.idFromName(tenantKey)).charge(period.id, microRho, budget),
        }
      : undefined,
  );
