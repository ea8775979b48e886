/**
 * wrangler as a child process: the one way the ops tools (provision, deploy, models --remote)
 * reach the Cloudflare account. `WRANGLER` names another executable to run instead (the tests'
 * fake account, test/fake-wrangler.mjs); by default, node_modules' wrangler under this Node. It
 * runs in the checkout, so it reads wrangler.toml as `npx wrangler` would.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { ROOT } from "./local-state";

const BUNDLED_WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

export interface WranglerOutput {
  code: number;
  /** Empty when the output went to this terminal. */
  stdout: string;
  stderr: string;
}

/**
 * Runs `wrangler ARGS`. `stdin` is written and closed (without, stdin is closed at once, so
 * wrangler never waits on a prompt); the output is captured, or shown on this terminal.
 */
export function runWrangler(
  args: readonly string[],
  options: { stdin?: string | Uint8Array; output?: "capture" | "terminal" } = {},
): Promise<WranglerOutput> {
  const [command, ...prefix] = process.env.WRANGLER ? [process.env.WRANGLER] : [process.execPath, BUNDLED_WRANGLER];
  const output = options.output === "terminal" ? "inherit" : "pipe";
  const child = spawn(command, [...prefix, ...args], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    stdio: ["pipe", output, output],
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout?.on("data", (chunk: Buffer) => stdout.push(chunk));
  child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
  child.stdin?.end(options.stdin);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({
        code: code ?? 1,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
      }),
    );
  });
}

/** A wrangler command that failed for a reason other than the absence its caller looks for. */
export class WranglerFailed extends Error {
  override name = "WranglerFailed";
  /** wrangler's own words for what went wrong. */
  readonly reason: string;
  constructor(
    readonly args: readonly string[],
    output: WranglerOutput,
  ) {
    const reason = wranglerError(output.stderr) || `exit code ${output.code}`;
    super(`${commandLine(args)}: ${reason}`);
    this.reason = reason;
  }
}

/**
 * The error wrangler printed: what follows `✘ [ERROR]` (its logger formats errors with esbuild's
 * formatMessages, notes indented beneath), without colours, blank lines or the line naming its log file.
 */
export function wranglerError(stderr: string): string {
  const text = stripVTControlCharacters(stderr);
  const start = text.indexOf("[ERROR]");
  return (start >= 0 ? text.slice(start + "[ERROR]".length) : text)
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("🪵"))
    .join(" ");
}

/** What a command's stdin is shown as when the command is printed: never the value itself. */
export interface Stdin {
  value: string | Uint8Array;
  shownAs: string;
}

export const commandLine = (args: readonly string[], stdin?: Stdin) =>
  `npx wrangler ${args.join(" ")}${stdin ? ` < ${stdin.shownAs}` : ""}`;

/** Carries out one command that changes the account. */
export type ChangeAccount = (args: readonly string[], stdin?: Stdin) => Promise<void>;

export const changeAccount: ChangeAccount = async (args, stdin) => {
  const output = await runWrangler(args, { stdin: stdin?.value });
  if (output.code !== 0) throw new WranglerFailed(args, output);
};

/**
 * Changes to the account, each printed before it runs (stdin as shown, never its value); in a dry
 * run only printed. Counts them, so a run can say it changed nothing.
 */
export function announcedChanges(dryRun: boolean): { change: ChangeAccount; count: () => number } {
  let count = 0;
  return {
    change: async (args, stdin) => {
      count++;
      console.log(`${dryRun ? "would run" : "running"}: ${commandLine(args, stdin)}`);
      if (!dryRun) await changeAccount(args, stdin);
    },
    count: () => count,
  };
}
