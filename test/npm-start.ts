/**
 * `npm start` as a user runs it, for the tests that need the real thing: started on a port of its
 * own (its own local state), waited on until ready, stopped with SIGTERM as a service manager
 * would (so it also stops wrangler's process group), and its state removed by `stopAllNpmStarts`.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";

export interface Started {
  child: ChildProcess;
  port: number;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
}

const started: Started[] = [];

/** For afterAll: stops every npm start this file began, and removes their local state. */
export async function stopAllNpmStarts(): Promise<void> {
  // Still running after a failure: SIGTERM, so npm start also stops wrangler's process group
  // (SIGKILL would orphan it); SIGKILL only if it does not exit in time.
  await Promise.all(
    started.map(async (run) => {
      const timer = setTimeout(() => run.child.kill("SIGKILL"), 30_000);
      await stop(run);
      clearTimeout(timer);
    }),
  );
  // npm start keeps each non-default port's local state apart: remove what these runs made.
  for (const { port } of started) rmSync(stateOf(port), { recursive: true, force: true });
}

export const stateOf = (port: number) => path.join(".wrangler", `state-${port}`);

export function npmStart(port: number, env: Record<string, string> = {}): Started {
  rmSync(stateOf(port), { recursive: true, force: true });
  const child = spawn("npm", ["start"], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const run = { child, port, output: () => output };
  started.push(run);
  return run;
}

export async function waitUntilReady({ child, port, output }: Started, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/v2/health/ready`);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`npm start did not become ready on ${port}:\n${output()}`);
}

/** SIGTERM, as a service manager stops it; resolves once npm start has exited. */
export function stop({ child }: Started): Promise<unknown> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  return exited;
}

/** `npm run token`, as the README tells a user; the token is its last line. */
export async function npmToken(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)("npm", ["run", "-s", "token", "--", ...args]);
  return stdout.trim().split("\n").at(-1) as string;
}
