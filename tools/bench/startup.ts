/**
 * The worker's start-up phase as Cloudflare's own tool profiles it (`wrangler check startup`: the
 * script's global scope run in workerd under V8's CPU profiler), the phase Cloudflare limits to
 * 1 s of CPU. The app starts ORT there (src/inference/runtime.ts), so this is the figure that
 * must stay under the limit. It samples one thread by wall clock: on an idle machine that is its
 * CPU time, on a busy one more.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { spread } from "./stats";

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string } }[];
  samples: number[];
  timeDeltas: number[];
}

/** `wrangler deploy --dry-run --outfile`: the upload form `check startup` reads. */
export function buildUploadBundle(root: string, outfile: string) {
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outfile", outfile], { cwd: root, stdio: "ignore" });
}

/** The profiled start-up, busy (all but idle samples) in ms, over `trials` fresh runs. */
export function measureStartup(root: string, bundle: string, scratch: string, trials: number) {
  const busy: number[] = [];
  for (let t = 0; t < trials; t++) {
    const outfile = path.join(scratch, `startup-${t}.cpuprofile`);
    execFileSync("npx", ["wrangler", "check", "startup", "--worker", bundle, "--outfile", outfile], {
      cwd: root,
      stdio: "ignore",
    });
    busy.push(busyMs(JSON.parse(readFileSync(outfile, "utf8")) as CpuProfile));
  }
  return { busyMs: spread(busy, 0) };
}

function busyMs(profile: CpuProfile): number {
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id));
  let micros = 0;
  // timeDeltas[i] is the time before sample i: sample i lasted until the next one.
  for (let i = 0; i < profile.samples.length - 1; i++)
    if (!idle.has(profile.samples[i])) micros += profile.timeDeltas[i + 1];
  return micros / 1000;
}
