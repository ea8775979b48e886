/**
 * The probing detector's memory: one Durable Object per principal and function (SQLite storage),
 * so every isolate serving that principal adds to the same observations. Observations expire with
 * the policy's time-to-live (by alarm); a stop stays until an operator clears it.
 */
import { DurableObject } from "cloudflare:workers";
import { emptyMonitor, type MonitorState, observeAll, strike } from "./monitor";
import type { ProbingPolicy, Verdict } from "./types";

/** What an isolate sends per answered query: the projection as numbers, the label, the margin. */
export interface ObservationMessage {
  projection: number[];
  label: number;
  margin: number;
}

export class ProbingMonitor extends DurableObject {
  async observe(observations: ObservationMessage[], policy: ProbingPolicy): Promise<Verdict> {
    const state = await this.load();
    const verdict = observeAll(state, observations, Date.now(), policy);
    await this.save(state, policy);
    return verdict;
  }

  /** A query refused for probing: one more strike. */
  async strike(policy: ProbingPolicy): Promise<Verdict> {
    const state = await this.load();
    const verdict = strike(state, policy);
    await this.save(state, policy);
    return verdict;
  }

  /** The operator's reset: strikes, observations and any stop. */
  async clear(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }

  override async alarm() {
    const state = await this.load();
    // Observations expire; a stop outlives them.
    if (state.stopped)
      await this.ctx.storage.put("state", { ...emptyMonitor(), stopped: true, strikes: state.strikes });
    else await this.ctx.storage.deleteAll();
  }

  private async load(): Promise<MonitorState> {
    return (await this.ctx.storage.get<MonitorState>("state")) ?? emptyMonitor();
  }

  private async save(state: MonitorState, policy: ProbingPolicy) {
    await this.ctx.storage.put("state", state);
    await this.ctx.storage.setAlarm(Date.now() + policy.ttlSeconds * 1000);
  }
}
