/** Redis URLs as they may be printed: REDIS_URL can carry a password (`redis://:PASSWORD@host`). */

const MASK = "***";

/** `url` with its password, in the user-info part or as a `password` query option, masked. */
export function maskCredentials(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "(a Redis URL that does not parse, not shown)";
  }
  if (parsed.password) parsed.password = MASK;
  if (parsed.searchParams.has("password")) parsed.searchParams.set("password", MASK);
  return parsed.toString();
}
