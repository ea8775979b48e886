/**
 * The request path's oversight step (types.ts tells the story): each isolate reads a function's
 * controls from its `FunctionControls` object at most once per `CONTROLS_CACHE_MS` (default
 * 1000; 0 reads on every request), so a stop reaches every isolate within that time without a
 * round trip to one object on every request, wherever it comes from. The isolate that takes the
 * stop sees it at once. When the object cannot be read, the last state read stands; with none,
 * the request is refused (503 `function_controls_unavailable`): a stop switch fails closed.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { principalDigest } from "../../auth/principal-digest";
import type { AppEnv, Bindings } from "../../env";
import { FunctionControlsUnavailable, FunctionStopped } from "../../errors";
import type { FunctionControlState, StopRecord } from "./types";

export const DEFAULT_CONTROLS_CACHE_MS = 1000;
export const DEFAULT_PUBLIC_REASON = "this function has been stopped by an operator";

export function functionControls() {
  const cache = new Map<string, { state: FunctionControlState; readAt: number }>();

  const objectFor = (env: Bindings, name: string) => {
    if (!env.FUNCTION_CONTROLS) throw new FunctionControlsUnavailable();
    return env.FUNCTION_CONTROLS.get(env.FUNCTION_CONTROLS.idFromName(name));
  };

  async function read(env: Bindings, name: string): Promise<FunctionControlState> {
    const cached = cache.get(name);
    if (cached && Date.now() - cached.readAt < cacheMs(env)) return cached.state;
    try {
      const state = await objectFor(env, name).read();
      cache.set(name, { state, readAt: Date.now() });
      return state;
    } catch (error) {
      console.warn(JSON.stringify({ event: "function_controls_unreadable", function: name, error: String(error) }));
      if (cached) return cached.state;
      throw new FunctionControlsUnavailable();
    }
  }

  /** Forgets the cached state, so this isolate's next request reads what the operator just set. */
  const changed = (name: string) => cache.delete(name);

  return {
    /** After the function is resolved: a stopped function, or a principal stopped for it, goes no further. */
    refuseStopped: createMiddleware<AppEnv>(async (c, next) => {
      const fn = c.get("fn");
      const state = await read(c.env, fn.name);
      const stop = state.stop ?? state.principals[await principalDigest(c.get("principal"))];
      if (stop) throw new FunctionStopped(stop.publicReason);
      await next();
    }),

    async stop(c: Context<AppEnv>, name: string, record: Omit<StopRecord, "at" | "operator">, principal?: string) {
      const full = { ...record, operator: await principalDigest(c.get("principal")), at: Date.now() };
      const { wasStopped } = await objectFor(c.env, name).stop(full, principal);
      changed(name);
      return { wasStopped };
    },

    async resume(c: Context<AppEnv>, name: string, principal?: string) {
      const { wasStopped } = await objectFor(c.env, name).resume(principal);
      changed(name);
      return { wasStopped };
    },

    read: (c: Context<AppEnv>, name: string) => read(c.env, name),
  };
}

function cacheMs(env: Bindings): number {
  const configured = Number(env.CONTROLS_CACHE_MS);
  return env.CONTROLS_CACHE_MS !== undefined && Number.isFinite(configured) && configured >= 0
    ? configured
    : DEFAULT_CONTROLS_CACHE_MS;
}
