/**
 * A Cloudflare account for the ops tools' tests, kept by the fake wrangler (test/fake-wrangler.mjs)
 * in a temporary directory: there is no real account here. Runs a tool against it and reads back
 * what the account holds and every wrangler call the tool made.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { ROOT } from "../tools/local-state";

export interface FakeAccountState {
  loggedIn: boolean;
  buckets: Record<string, { rules: { name: string; enabled: boolean; prefix: string; expireDays?: number }[] }>;
  queues: string[];
  workers: Record<string, { secrets: Record<string, string> }>;
}

export interface WranglerCall {
  args: string[];
  /** What a `secret put` received on stdin. */
  stdin?: string;
}

/** The commands that change an account (everything else the tools run only reads). */
const CHANGES = [
  "r2 bucket create",
  "queues create",
  "r2 bucket lifecycle add",
  "secret put",
  "r2 object put",
  "deploy",
];
export const changesAccount = (call: WranglerCall) =>
  CHANGES.some((words) => call.args.join(" ").startsWith(words)) && !call.args.includes("--dry-run");

export function fakeAccount(initial: Partial<FakeAccountState> = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), "bastion-account-"));
  writeFileSync(
    path.join(dir, "account.json"),
    JSON.stringify({ loggedIn: true, buckets: {}, queues: [], workers: {}, ...initial }),
  );
  return {
    dir,
    /** A file in the account's directory, e.g. the operator's secrets file. */
    file: (name: string) => path.join(dir, name),
    state: () => JSON.parse(readFileSync(path.join(dir, "account.json"), "utf8")) as FakeAccountState,
    calls: (): WranglerCall[] =>
      readFileSync(path.join(dir, "calls.jsonl"), { encoding: "utf8", flag: "a+" })
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line)),
    /** Runs `node --import tsx TOOL ARGS` in the checkout with this account; never throws on an exit code. */
    async run(tool: string, args: string[], env: Record<string, string> = {}) {
      const options = {
        cwd: ROOT,
        maxBuffer: 64 << 20,
        env: {
          ...process.env,
          ...env,
          WRANGLER: path.join(ROOT, "test", "fake-wrangler.mjs"),
          FAKE_WRANGLER_STATE: dir,
        },
      };
      return promisify(execFile)(process.execPath, ["--import", "tsx", tool, ...args], options).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        ({ code, stdout, stderr }: { code: number; stdout: string; stderr: string }) => ({ code, stdout, stderr }),
      );
    },
    /** Puts an object into a bucket, as an earlier `r2 object put` would have (the fake's layout). */
    putObject(bucket: string, key: string, value: string) {
      mkdirSync(path.join(dir, "r2", bucket), { recursive: true });
      writeFileSync(path.join(dir, "r2", bucket, encodeURIComponent(key)), value);
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
