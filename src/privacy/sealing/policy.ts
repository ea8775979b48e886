/**
 * A function's Fernet policy: how old a sealed field's token may be. A pipeline seals a column
 * once and may send it later, so the default is generous (a day), yet bounded, so a token that
 * leaks stops working on its own.
 */
import { DURATION_PATTERN, durationMs } from "../../ratelimit/duration";
import type { Duration } from "../../ratelimit/types";

export interface FernetSettings {
  /** The largest token age accepted: a duration (`"1 d"`, `"30 m"`) or whole seconds. Default one day. */
  ttl?: Duration | number;
}

export interface FernetPolicy {
  ttlSeconds: number;
}

export const DEFAULT_FERNET_TTL: Duration = "1 d";

/** The policy of `settings`; throws when the function's file gives a ttl that is not whole seconds. */
export function fernetPolicy(settings: FernetSettings = {}): FernetPolicy {
  const ttl = settings.ttl ?? DEFAULT_FERNET_TTL;
  const seconds = typeof ttl === "number" ? ttl : DURATION_PATTERN.test(ttl) ? durationMs(ttl) / 1000 : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1)
    throw new Error(`fernet.ttl must be at least one whole second, not ${JSON.stringify(ttl)}`);
  return { ttlSeconds: seconds };
}
