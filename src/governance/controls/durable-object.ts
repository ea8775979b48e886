/** One function's controls (types.ts): its stop, and its per-principal stops. One call at a time. */
import { DurableObject } from "cloudflare:workers";
import type { FunctionControlState, StopRecord } from "./types";

const PRINCIPAL = "principal:";

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
}
