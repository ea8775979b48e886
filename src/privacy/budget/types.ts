/**
 * Privacy budgets in one page. Each tenant may spend `budget.rho` of zCDP per period (UTC day,
 * week from Monday, or month) on usage statistics (src/privacy/usage). A ledger per tenant, in a
 * PrivacyLedger Durable Object or in Redis (PRIVACY_STORE=redis), checks and charges in one atomic
 * step, so two isolates cannot both spend the last of a budget. Amounts are kept as integers in
 * millionths of rho: a charge is rounded up and a budget down, never in the tenant's favour.
 *
 *   period.ts           which period a moment falls in, and when it renews
 *   durable-object.ts   the PrivacyLedger Durable Object
 *   redis.ts            the same charge as one Lua script
 *   store.ts            which ledger, by configuration
 */

export interface Charge {
  granted: boolean;
  /** Spent in the period after this charge (or before it, when refused), millionths of rho. */
  spentMicroRho: number;
}

export interface BudgetLedger {
  /** Charges `microRho` to `tenantKey` in `period` if the spent total stays within `budgetMicroRho`. */
  charge(tenantKey: string, period: BudgetPeriod, microRho: number, budgetMicroRho: number): Promise<Charge>;
}

export interface BudgetPeriod {
  /** `2026-11-27`, `week-2026-11-23` or `2026-11`. */
  id: string;
  /** When the next period starts. */
  renews: Date;
}
