/**
 * The request path's controls step (types.ts tells the story): a stopped function, or one stopped
 * for this principal, goes no further; a request naming no model version goes to the version the
 * operator chose (the canary's, for its share of principals). Each isolate reads a function's
 * controls from its `FunctionControls` object at most once per `CONTROLS_CACHE_MS` (default
 * 1000; 0 reads on every request), so a change reaches every isolate within that time without a
 * round trip to one object on every request, wherever it comes from. The isolate that makes the
 * change sees it at once. When the object cannot be read, the last state read stands; with none,
 * the request is refused (503 `function_controls_unavailable`): a stop switch fails closed.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { principalDigest } from "../../auth/principal-digest";
import type { AppEnv, Bindings } from "../../env";
import { FunctionControlsUnavailable, FunctionStopped, PrincipalStopped } from "../../errors";
import type { InferenceFunction } from "../../functions/define";
import { atModelVersion } from "../../functions/versions";
import type { FunctionControlState, StopRecord, VersionControl } from "./types";

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
    /**
     * After the function is resolved: a stopped function, or a principal stopped for it, goes no
     * further; a request whose URL names no version is served by the version chosen for it.
     */
    apply: createMiddleware<AppEnv>(async (c, next) => {
      const fn = c.get("fn");
      const state = await read(c.env, fn.name);
      const principal = await principalDigest(c.get("principal"));
      const stop = state.stop ?? state.principals[principal];
      if (stop?.source === "probing-detector") throw new PrincipalStopped();
      if (stop) throw new FunctionStopped(stop.publicReason);
      if (c.req.param("version") === undefined) {
        const chosen = await versionFor(fn, state.versions, principal);
        if (chosen !== fn.model.version) c.set("fn", atModelVersion(fn, chosen) ?? fn);
      }
      await next();
    }),

    async stop(c: Context<AppEnv>, name: string, record: Omit<StopRecord, "at" | "operator">, principal?: string) {
      const operator =
        record.source === "probing-detector" ? "probing-detector" : await principalDigest(c.get("principal"));
      const full: StopRecord = { source: "operator", ...record, operator, at: Date.now() };
      const { wasStopped } = await objectFor(c.env, name).stop(full, principal);
      changed(name);
      return { wasStopped };
    },

    async resume(c: Context<AppEnv>, name: string, principal?: string) {
      const { wasStopped } = await objectFor(c.env, name).resume(principal);
      changed(name);
      return { wasStopped };
    },

    /** `change` applied to the function's versions by its controls object, then seen here at once. */
    async changeVersions<T>(c: Context<AppEnv>, name: string, change: (controls: FunctionControlsStub) => Promise<T>) {
      const result = await change(objectFor(c.env, name));
      changed(name);
      return result;
    },

    read: (c: Context<AppEnv>, name: string) => read(c.env, name),
  };
}

type FunctionControlsStub = ReturnType<NonNullable<Bindings["FUNCTION_CONTROLS"]>["get"]>;

/**
 * The version a request naming none is served by: the canary's, for a stable `percent` % of
 * principals (by a hash of the principal's digest and the function), else the chosen default.
 * A version the function no longer declares (a redeploy dropped it) is ignored.
 */
export async function versionFor(fn: InferenceFunction, versions: VersionControl, principal: string): Promise<string> {
  const declared = (v: string | undefined) => v !== undefined && fn.versions.some((m) => m.version === v);
  const { canary } = versions;
  if (canary && declared(canary.version) && (await canaryBucket(fn.name, principal)) < canary.percent)
    return canary.version;
  return declared(versions.default) ? (versions.default as string) : fn.model.version;
}

/** 0-99, uniform and stable per principal and function. */
async function canaryBucket(fn: string, principal: string): Promise<number> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${fn}\n${principal}`));
  return new DataView(digest).getUint32(0) % 100;
}

function cacheMs(env: Bindings): number {
  const configured = Number(env.CONTROLS_CACHE_MS);
  return env.CONTROLS_CACHE_MS !== undefined && Number.isFinite(configured) && configured >= 0
    ? configured
    : DEFAULT_CONTROLS_CACHE_MS;
}
