/**
 * What the checks need to know before they start: that the server answers at all, which models it
 * has (as given, else from Bastion's function list or Triton's repository index), one of their
 * versions, and a route the token is admitted to. Nothing here is judged; the checks do that.
 */
import { answered } from "./http";
import { bearer, type Session } from "./types";

/** A model name no server has, for route checks when none is known. */
export const UNKNOWN_MODEL = "doctor-probe-model";

export async function discover(session: Session): Promise<{ reachable: true } | { reachable: false; error: string }> {
  const live = await session.send({ path: "/v2/health/live" });
  if (!answered(live)) return { reachable: false, error: live.error };
  if (session.models.length === 0) session.models = await listModels(session);
  session.model = session.models[0] ?? UNKNOWN_MODEL;
  if (!session.token) return { reachable: true };
  const auth = bearer(session.token);
  for (const path of [`/v2/models/${session.model}`, "/v2", `/v2/models/${session.model}/ready`]) {
    const response = await session.send({ path, headers: auth });
    if (!answered(response) || response.status < 200 || response.status >= 300) continue;
    session.admittedRoute = path;
    const versions = fieldOf(jsonOf(response.text), "versions");
    if (path === `/v2/models/${session.model}` && Array.isArray(versions) && typeof versions[0] === "string")
      session.version = versions[0];
    break;
  }
  return { reachable: true };
}

async function listModels(session: Session): Promise<string[]> {
  const headers = session.token ? bearer(session.token) : undefined;
  const functions = await session.send({ path: "/v1/functions", headers });
  if (answered(functions) && functions.status === 200) {
    const names = namesIn(fieldOf(jsonOf(functions.text), "functions"));
    if (names.length > 0) return names;
  }
  const index = await session.send({ method: "POST", path: "/v2/repository/index", headers, body: "{}" });
  return answered(index) && index.status === 200 ? namesIn(jsonOf(index.text)) : [];
}

function namesIn(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry) => {
    const name = fieldOf(entry, "name");
    return typeof name === "string" ? [name] : [];
  });
}

const fieldOf = (value: unknown, name: string): unknown =>
  typeof value === "object" && value !== null ? (value as Record<string, unknown>)[name] : undefined;

export function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
