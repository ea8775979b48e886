/**
 * `npm run bench -- --profile`: where warm inference spends its time, per operator type, by ORT's
 * own profiler in workerd (onnxruntime-web, wasm, one thread) and in onnxruntime-node (one
 * thread), and the ratio between them per type: which kernels the wasm build loses on.
 * Each kernel's time includes the profiler's own bookkeeping, measured here at about 7 µs a node
 * on either side (what a Shape or Identity reads): it swamps silero-vad's microsecond kernels,
 * whose totals are then not its warm time (only their ranking holds), while ppocr's convolutions
 * are long enough to read directly.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as ortNode from "onnxruntime-node";
import { functions } from "../../functions";
import { readPlaintext } from "../../models/recipe";
import type { BenchCase } from "../bench-cases";
import { type OpTime, opTimes, type TraceEvent } from "./op-profile";
import { settle } from "./settle";
import { round } from "./stats";
import type { TrackedWorker } from "./tracked-worker";

/** Runs profiled per side; the first ones are discarded (see op-profile.ts). */
const WARM_UP_RUNS = 5;
/**
 * workerd's clock ticks in whole milliseconds, so each kernel event there reads 0 or 1 ms (rarely
 * 2): the sum over many runs still estimates a kernel's mean time without bias (a tick lands in it
 * in proportion to its length), within about 1/sqrt(ticks). Runs enough for a few hundred ticks
 * on the larger operator types, without a trace too large for the isolate to print.
 */
const profiledRuns = (model: string) => ({ "silero-vad": 1000, "ppocr-cls": 400 })[model] ?? 40;

export async function profileModel(benchWorker: TrackedWorker, bench: BenchCase) {
  const runs = profiledRuns(bench.model);
  // The plain session first: it starts ORT and lets V8 finish optimising ORT's wasm.
  await settle(benchWorker, () => benchWorker.fetch(`/?model=${bench.model}&iterations=10`).then((r) => r.text()), 1.3);
  const response = await benchWorker.fetch(`/profile?model=${bench.model}&iterations=${WARM_UP_RUNS + runs}`);
  if (!response.ok) throw new Error(`bench worker /profile: ${response.status} ${await response.text()}`);
  const workerd = opTimes((await response.json()) as TraceEvent[], runs);
  const native = opTimes(await nativeTrace(bench, WARM_UP_RUNS + runs), runs);
  return { runs, ...compare(workerd, native, runs) };
}

async function nativeTrace(bench: BenchCase, iterations: number): Promise<TraceEvent[]> {
  const manifest = functions.find((fn) => fn.model.id === bench.model)?.model;
  if (!manifest) throw new Error(bench.model);
  // onnxruntime-node's endProfiling does not return the trace's file name: it is the one file here.
  const dir = mkdtempSync(path.join(tmpdir(), "bastion-profile-"));
  const session = await ortNode.InferenceSession.create(await readPlaintext(manifest), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: "sequential",
    enableProfiling: true,
    profileFilePrefix: path.join(dir, "profile"),
  });
  const feeds = Object.fromEntries(bench.inputs().map((t) => [t.name, new ortNode.Tensor(t.type, t.data, t.dims)]));
  for (let i = 0; i < iterations; i++) await session.run(feeds);
  session.endProfiling();
  await session.release();
  try {
    const [file] = readdirSync(dir);
    return JSON.parse(readFileSync(path.join(dir, file), "utf8")) as TraceEvent[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Profile = ReturnType<typeof opTimes>;

/**
 * ORT rewrites convolutions differently per build: natively into NCHWc convolutions (MLAS's
 * blocked AVX2 kernels) between ReorderInput/ReorderOutput layout changes, in wasm into FusedConv
 * (convolution and activation). Their types do not line up across the two, so they are compared
 * as one family, counting convolution nodes only.
 */
const CONV_FAMILY = "Conv+FusedConv+Reorder";
const LAYOUT_CHANGES = new Set(["ReorderInput", "ReorderOutput"]);
const CONVOLUTIONS = new Set(["Conv", "FusedConv"]);

function withConvFamily(ops: OpTime[]): OpTime[] {
  const family = { op: CONV_FAMILY, nodes: 0, msPerRun: 0 };
  const rest: OpTime[] = [];
  for (const o of ops) {
    if (!CONVOLUTIONS.has(o.op) && !LAYOUT_CHANGES.has(o.op)) rest.push(o);
    else {
      family.msPerRun += o.msPerRun;
      if (CONVOLUTIONS.has(o.op)) family.nodes += o.nodes;
    }
  }
  return family.msPerRun > 0 ? [family, ...rest] : rest;
}

/** Operator types side by side, largest native time first, each with its share of the total. */
function compare(workerdTrace: Profile, nativeTrace: Profile, runs: number) {
  const workerd = { ...workerdTrace, ops: withConvFamily(workerdTrace.ops) };
  const native = { ...nativeTrace, ops: withConvFamily(nativeTrace.ops) };
  const find = (ops: OpTime[], op: string) => ops.find((o) => o.op === op);
  const kernelMs = (ops: OpTime[]) => ops.reduce((sum, o) => sum + o.msPerRun, 0);
  const totals = { workerd: kernelMs(workerd.ops), native: kernelMs(native.ops) };
  const types = [...new Set([...native.ops, ...workerd.ops].map((o) => o.op))];
  const ops = types.map((op) => {
    const w = find(workerd.ops, op);
    const n = find(native.ops, op);
    return {
      op,
      nodes: { workerd: w?.nodes ?? 0, native: n?.nodes ?? 0 },
      workerdMs: round(w?.msPerRun ?? 0, 4),
      /** Clock ticks the workerd figure rests on (see profiledRuns). */
      workerdTicks: Math.round((w?.msPerRun ?? 0) * runs),
      nativeMs: round(n?.msPerRun ?? 0, 4),
      ratio: w && n && n.msPerRun > 0 ? round(w.msPerRun / n.msPerRun, 2) : null,
      share: {
        workerd: round((w?.msPerRun ?? 0) / totals.workerd, 3),
        native: round((n?.msPerRun ?? 0) / totals.native, 3),
      },
    };
  });
  ops.sort((a, b) => b.nativeMs - a.nativeMs);
  return {
    modelRunMs: { workerd: round(workerd.modelRunMs, 3), native: round(native.modelRunMs, 3) },
    kernelMs: { workerd: round(totals.workerd, 3), native: round(totals.native, 3) },
    ratio: round(totals.workerd / totals.native, 2),
    ops,
    byType: { workerd: rounded(workerdTrace.ops), native: rounded(nativeTrace.ops) },
  };
}

const rounded = (ops: OpTime[]) => ops.map((o) => ({ ...o, msPerRun: round(o.msPerRun, 4) }));

/** Per model, the operator types that take the most native time. */
export function printProfile(models: { model: string; profile: Awaited<ReturnType<typeof profileModel>> }[], top = 8) {
  for (const { model, profile } of models) {
    console.log(
      `${model} (${profile.runs} runs): kernel time per run ${profile.kernelMs.workerd} ms in workerd, ${profile.kernelMs.native} ms native ` +
        `(ratio ${profile.ratio}); whole run ${profile.modelRunMs.workerd} / ${profile.modelRunMs.native} ms`,
    );
    console.table(
      profile.ops.slice(0, top).map((o) => ({
        op: o.op,
        nodes: o.nodes.workerd === o.nodes.native ? o.nodes.native : `${o.nodes.workerd}/${o.nodes.native}`,
        "workerd ms": o.workerdMs,
        ticks: o.workerdTicks,
        "native ms": o.nativeMs,
        ratio: o.ratio,
        "share workerd": o.share.workerd,
        "share native": o.share.native,
      })),
    );
  }
}
