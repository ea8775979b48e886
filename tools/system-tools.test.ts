/**
 * `npm test`'s setup step. apt-get is faked at the process boundary (a test cannot uninstall
 * Redis from the machine it runs on); the PATH is a real directory of real executables.
 */
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { ensureSystemTools, type Machine, onPath, SYSTEM_TOOLS } from "./system-tools";

const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n';
const UBUNTU = 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n';
/** The checks below follow one tool; every tool goes through the same code. */
const redisOnly = SYSTEM_TOOLS.filter((tool) => tool.command === "redis-server");
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A directory for the PATH holding executables that succeed and do nothing else. */
function binDir(...commands: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), "bastion-bin-"));
  dirs.push(dir);
  for (const command of commands) install(dir, command);
  return dir;
}
function install(dir: string, command: string) {
  writeFileSync(path.join(dir, command), "#!/bin/sh\nexit 0\n");
  chmodSync(path.join(dir, command), 0o755);
}

/** A machine whose apt-get (faked) puts the packages it installs into `dir`. */
function machine(dir: string, overrides: Partial<Machine> = {}) {
  const calls: { command: string; args: string[]; env: Record<string, string> }[] = [];
  const lines: string[] = [];
  const fake: Machine = {
    pathVariable: dir,
    isRoot: true,
    osRelease: DEBIAN,
    async run(command, args, env) {
      calls.push({ command, args, env });
      if (args[0] === "install") for (const pkg of args.slice(3)) install(dir, pkg);
      return 0;
    },
    log: (line) => lines.push(line),
    ...overrides,
  };
  return { fake, calls, lines };
}

describe("the tools the tests need", () => {
  it("does nothing when every tool is on the PATH", async () => {
    const { fake, calls } = machine(binDir(...SYSTEM_TOOLS.map((tool) => tool.command), "apt-get"));
    await ensureSystemTools(fake);
    expect(calls).toEqual([]);
  });

  it.each([
    ["Debian", DEBIAN],
    ["Ubuntu", UBUNTU],
  ])("as root on %s, installs a missing redis-server with apt-get, saying what and why", async (_, osRelease) => {
    const dir = binDir("apt-get");
    const { fake, calls, lines } = machine(dir, { osRelease });
    await ensureSystemTools(fake, redisOnly);
    expect(calls).toEqual([
      { command: "apt-get", args: ["update", "-qq"], env: { DEBIAN_FRONTEND: "noninteractive" } },
      {
        command: "apt-get",
        args: ["install", "-y", "-qq", "redis-server"],
        env: { DEBIAN_FRONTEND: "noninteractive" },
      },
    ]);
    expect(lines).toEqual([
      "npm test: installing redis-server (Debian package) for redis-server: the rate-limit tests run a real Redis",
    ]);
    expect(onPath("redis-server", dir)).toBe(true);
  });

  it.each([
    ["not root", { isRoot: false }],
    ["macOS (no /etc/os-release)", { osRelease: undefined }],
    ["Fedora", { osRelease: "ID=fedora\n" }],
  ])("%s: stops with the commands for each platform, and installs nothing", async (_, overrides) => {
    const { fake, calls } = machine(binDir("apt-get"), overrides);
    await expect(ensureSystemTools(fake, redisOnly)).rejects.toThrow(
      [
        "npm test needs redis-server (the rate-limit tests run a real Redis), which this machine lacks.",
        "Install, then run npm test again:",
        "  Debian, Ubuntu:    sudo apt-get install -y redis-server",
        "  Fedora:            sudo dnf install -y redis",
        "  macOS (Homebrew):  brew install redis",
      ].join("\n"),
    );
    expect(calls).toEqual([]);
  });

  it("says so when apt-get fails", async () => {
    const { fake } = machine(binDir("apt-get"), { run: async (_, args) => (args[0] === "install" ? 100 : 0) });
    await expect(ensureSystemTools(fake, redisOnly)).rejects.toThrow(/apt-get install redis-server failed/);
  });

  it("installs every missing tool in one apt-get call", async () => {
    const dir = binDir("apt-get");
    const { fake, calls } = machine(dir);
    await ensureSystemTools(fake);
    expect(calls.at(-1)?.args).toEqual(["install", "-y", "-qq", ...SYSTEM_TOOLS.map((tool) => tool.packages.debian)]);
    for (const tool of SYSTEM_TOOLS) expect(onPath(tool.command, dir)).toBe(true);
  });

  it("as a command, exits 1 with the advice on a machine without apt-get", async () => {
    const dir = binDir();
    symlinkSync(process.execPath, path.join(dir, "node"));
    const run = promisify(execFile)(process.execPath, ["--import", "tsx", "tools/ensure-system-tools.ts"], {
      env: { ...process.env, PATH: dir },
    });
    await expect(run).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining("brew install redis") });
  });
});
