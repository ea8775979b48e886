/** One function's controls (types.ts): its stops and its versions. One call at a time. */
import { DurableObject } from "cloudflare:workers";
import type { FunctionControlState, StopRecord, VersionControl } from "./types";

const PRINCIPAL = "principal:";
const VERSIONS = "versions";
/** Rollbacks reach this many defaults back. */
const HISTORY = 20;

export class FunctionControls extends DurableObject {
  async read(): Promise<FunctionControlState> {
    return {
      stop: await this.ctx.storage.get<StopRecord>("stop"),
      principals: Object.fromEntries(
        [...(await this.ctx.storage.list<StopRecord>({ prefix: PRINCIPAL })).entries()].map(([key, record]) => [
          key.slice(PRINCIPAL.length),
          record,
        ]),
      ),
      versions: await this.#versions(),
    };
  }

  /** Stops the function (or, given a principal digest, the function for that principal). */
  async stop(record: StopRecord, principal?: string): Promise<{ wasStopped: boolean }> {
    const key = principal ? `${PRINCIPAL}${principal}` : "stop";
    const wasStopped = (await this.ctx.storage.get(key)) !== undefined;
    await this.ctx.storage.put(key, record);
    return { wasStopped };
  }

  async resume(principal?: string): Promise<{ wasStopped: boolean }> {
    return { wasStopped: await this.ctx.storage.delete(principal ? `${PRINCIPAL}${principal}` : "stop") };
  }

  /**
   * Makes `version` the default (`declared`: the function's own default, when none was set); a
   * canary of that version has served its purpose and ends.
   */
  async promote(version: string, declared: string): Promise<VersionControl> {
    const versions = await this.#versions();
    const current = versions.default ?? declared;
    const next: VersionControl = {
      default: version,
      history: current === version ? versions.history : [...versions.history, current].slice(-HISTORY),
      canary: versions.canary?.version === version ? undefined : versions.canary,
    };
    await this.ctx.storage.put(VERSIONS, next);
    return next;
  }

  /** Returns to the previous default, or to the declared one; undefined when there is nothing to return to. */
  async rollback(declared: string): Promise<VersionControl | undefined> {
    const versions = await this.#versions();
    const history = [...versions.history];
    const moved = versions.default !== undefined && versions.default !== declared;
    const previous = history.pop() ?? (moved ? declared : undefined);
    if (previous === undefined) return undefined;
    const next: VersionControl = { ...versions, default: previous, history };
    await this.ctx.storage.put(VERSIONS, next);
    return next;
  }

  /** Sends `percent` % of principals to `version` (0 ends the canary). */
  async canary(version: string, percent: number): Promise<VersionControl> {
    const versions = await this.#versions();
    const next: VersionControl = { ...versions, canary: percent > 0 ? { version, percent } : undefined };
    await this.ctx.storage.put(VERSIONS, next);
    return next;
  }

  async #versions(): Promise<VersionControl> {
    return (await this.ctx.storage.get<VersionControl>(VERSIONS)) ?? { history: [] };
  }
}
