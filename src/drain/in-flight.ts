/**
 * Work in flight in this isolate that a drain waits for: requests still being answered (counted
 * by the local control, `control.ts`) and the audit events they have yet to send (counted by the
 * audit middleware, since it sends them after the response).
 */
let count = 0;

export const inFlight = {
  /** Counts `work` as in flight until it settles; returns it unchanged. */
  track<T>(work: Promise<T>): Promise<T> {
    count++;
    return work.finally(() => count--);
  },
  get count(): number {
    return count;
  },
};
