/**
 * Per-operator time from ORT's own profiler (a Chrome trace), the same reading on both sides:
 * onnxruntime-node writes the trace to a file, onnxruntime-web prints it on stdout (see the
 * bench worker's /profile route). Only the last `runs` model runs count, so the first runs'
 * one-off work (allocations, lazily built kernels) stays out.
 */

/** The fields of a trace event this reading needs. */
export interface TraceEvent {
  cat: string;
  name: string;
  ts: number;
  dur: number;
  args?: { op_name?: string };
}

export interface OpTime {
  op: string;
  /** Distinct nodes of this type that ran. */
  nodes: number;
  /** Summed kernel time per model run, in ms. */
  msPerRun: number;
}

/**
 * Control-flow operators' events span their subgraphs, whose nodes have events of their own:
 * counting both would count that time twice, so the subgraph nodes alone are kept.
 */
const CONTROL_FLOW = new Set(["If", "Loop", "Scan"]);

/** Kernel time by operator type over the last `runs` model runs, largest first. */
export function opTimes(events: TraceEvent[], runs: number): { ops: OpTime[]; modelRunMs: number } {
  const modelRuns = events.filter((e) => e.cat === "Session" && e.name === "model_run").sort((a, b) => a.ts - b.ts);
  if (modelRuns.length < runs) throw new Error(`the trace holds ${modelRuns.length} model runs, not ${runs}`);
  const kept = modelRuns.slice(-runs);
  const inKeptRun = (e: TraceEvent) => kept.some((run) => e.ts >= run.ts && e.ts <= run.ts + run.dur);
  const byOp = new Map<string, { us: number; nodes: Set<string> }>();
  for (const e of events) {
    const op = e.args?.op_name;
    if (e.cat !== "Node" || !op || CONTROL_FLOW.has(op) || !inKeptRun(e)) continue;
    const entry = byOp.get(op) ?? { us: 0, nodes: new Set<string>() };
    entry.us += e.dur;
    entry.nodes.add(e.name);
    byOp.set(op, entry);
  }
  const ops = [...byOp].map(([op, { us, nodes }]) => ({ op, nodes: nodes.size, msPerRun: us / 1000 / runs }));
  const modelRunMs = kept.reduce((sum, run) => sum + run.dur, 0) / 1000 / runs;
  return { ops: ops.sort((a, b) => b.msPerRun - a.msPerRun), modelRunMs };
}
