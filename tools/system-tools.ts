/**
 * The programs from outside npm that the tests need, in one place, and what to do when one is
 * missing: install it where this machine can (root on Debian or Ubuntu, non-interactive apt-get),
 * saying what and why; otherwise stop with one message naming each missing tool and the command
 * for each common platform. `npm test` runs this first (`pretest`); `npm start` needs none of them.
 */
import { accessSync, constants, readFileSync } from "node:fs";
import path from "node:path";

export interface SystemTool {
  /** The executable looked for on the PATH. */
  command: string;
  /** Why the tests need it, as the install message says. */
  why: string;
  packages: { debian: string; fedora: string; brew: string };
}

export const SYSTEM_TOOLS: SystemTool[] = [
  {
    command: "redis-server",
    why: "the rate-limit tests run a real Redis",
    packages: { debian: "redis-server", fedora: "redis", brew: "redis" },
  },
  {
    command: "espeak-ng",
    why: "the speech-detection tests speak real sentences",
    packages: { debian: "espeak-ng", fedora: "espeak-ng", brew: "espeak-ng" },
  },
  {
    command: "openssl",
    why: "the doctor's TLS checks run against a server with a certificate made for the test",
    packages: { debian: "openssl", fedora: "openssl", brew: "openssl" },
  },
  {
    command: "chromium",
    why: "the web demo is tested in a real headless browser",
    packages: { debian: "chromium", fedora: "chromium", brew: "chromium" },
  },
];

/** What the check may touch: the environment, and running a command (apt-get). */
export interface Machine {
  pathVariable: string;
  isRoot: boolean;
  /** The text of /etc/os-release, or undefined where there is none (macOS). */
  osRelease: string | undefined;
  run(command: string, args: string[], env: Record<string, string>): Promise<number>;
  log(line: string): void;
}

export function onPath(command: string, pathVariable: string): boolean {
  return pathVariable
    .split(path.delimiter)
    .filter(Boolean)
    .some((dir) => {
      try {
        accessSync(path.join(dir, command), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

function isDebianLike(osRelease: string | undefined): boolean {
  const ids = /^(ID|ID_LIKE)=(.*)$/gm;
  return [...(osRelease ?? "").matchAll(ids)].some((match) => /\b(debian|ubuntu)\b/.test(match[2]));
}

/** One message for a machine that cannot install what is missing itself. */
export function installAdvice(missing: SystemTool[]): string {
  const list = (kind: keyof SystemTool["packages"]) => missing.map((tool) => tool.packages[kind]).join(" ");
  return [
    `npm test needs ${missing.map((t) => `${t.command} (${t.why})`).join(", ")}, which this machine lacks.`,
    "Install, then run npm test again:",
    `  Debian, Ubuntu:    sudo apt-get install -y ${list("debian")}`,
    `  Fedora:            sudo dnf install -y ${list("fedora")}`,
    `  macOS (Homebrew):  brew install ${list("brew")}`,
  ].join("\n");
}

/** Makes every tool present, or throws with `installAdvice`. Nothing is skipped silently. */
export async function ensureSystemTools(machine: Machine, tools = SYSTEM_TOOLS): Promise<void> {
  const missing = tools.filter((tool) => !onPath(tool.command, machine.pathVariable));
  if (missing.length === 0) return;
  if (!machine.isRoot || !isDebianLike(machine.osRelease) || !onPath("apt-get", machine.pathVariable))
    throw new Error(installAdvice(missing));
  for (const tool of missing)
    machine.log(`npm test: installing ${tool.packages.debian} (Debian package) for ${tool.command}: ${tool.why}`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  const packages = missing.map((tool) => tool.packages.debian);
  if ((await machine.run("apt-get", ["update", "-qq"], env)) !== 0) throw new Error("apt-get update failed");
  if ((await machine.run("apt-get", ["install", "-y", "-qq", ...packages], env)) !== 0)
    throw new Error(`apt-get install ${packages.join(" ")} failed\n${installAdvice(missing)}`);
  const still = missing.filter((tool) => !onPath(tool.command, machine.pathVariable));
  if (still.length > 0) throw new Error(`installed, but still not on the PATH:\n${installAdvice(still)}`);
}

export function readOsRelease(): string | undefined {
  try {
    return readFileSync("/etc/os-release", "utf8");
  } catch {
    return undefined;
  }
}
