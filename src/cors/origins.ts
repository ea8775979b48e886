/**
 * `CORS_ORIGINS`: the web origins whose pages may call Bastion, as a comma-separated list of exact
 * origins (`https://app.example.com,http://localhost:8788`). Empty or unset allows none. A
 * wildcard, a path, credentials in the URL or anything that is not its own origin is a
 * configuration error (503 `cors_not_configured`): an allowlist that does not mean what it says
 * must not quietly open or close the API.
 */
import { CorsNotConfigured } from "../errors";

export function parseCorsOrigins(setting: string | undefined): ReadonlySet<string> {
  const origins = new Set<string>();
  for (const entry of (setting ?? "").split(",")) {
    const origin = entry.trim();
    if (origin === "") continue;
    if (!isExactOrigin(origin)) {
      throw new CorsNotConfigured(
        `CORS_ORIGINS entry "${origin}" is not an exact origin such as https://app.example.com`,
      );
    }
    origins.add(origin);
  }
  return origins;
}

/** `scheme://host[:port]` exactly as a browser sends it in `Origin` (lower case, no default port). */
function isExactOrigin(text: string): boolean {
  if (text.includes("*")) return false;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  return (url.protocol === "https:" || url.protocol === "http:") && url.origin === text;
}
