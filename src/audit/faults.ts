/**
 * Fault injector for tests, because a local R2 cannot be made to fail on demand
 * (AUDIT_FAULT_INJECTION): "fail-writes:N" refuses the log's first N R2 writes;
 * "fail-head-writes:N" the first N writes of its head (audit/head.json), each of which comes
 * after its object was written. Unset in production.
 */
import { HEAD_KEY } from "./chain";

/** Whether the R2 write of `key` is to fail now; counts what it injected in the writer's storage. */
export function injectWriteFault(setting: string | undefined, key: string, storage: DurableObjectStorage): boolean {
  const [, kind, limit] = /^(fail-writes|fail-head-writes):(\d+)$/.exec(setting ?? "") ?? [];
  if (!kind || (kind === "fail-head-writes" && key !== HEAD_KEY)) return false;
  const injected = storage.kv.get<number>("faults-injected") ?? 0;
  if (injected >= Number(limit)) return false;
  storage.kv.put("faults-injected", injected + 1);
  return true;
}
