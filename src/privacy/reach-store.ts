/**
 * A privacy store (subject keys, budget ledgers) that fails is a 503 `privacy_store_unavailable`,
 * not an internal error. The cause may name the store's address: the log gets it, the caller not.
 */
import { PrivacyStoreUnavailable } from "../errors";

export function reachStore<T>(operation: Promise<T>, store: string): Promise<T> {
  return operation.catch((error: unknown) => {
    if (error instanceof PrivacyStoreUnavailable) throw error;
    console.error(JSON.stringify({ event: "privacy_store_failed", store, error: String(error) }));
    throw new PrivacyStoreUnavailable(`the ${store} is unavailable`);
  });
}
