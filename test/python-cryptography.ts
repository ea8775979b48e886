/**
 * Python's `cryptography`, the reference implementation pipelines use, driven from tests.
 * `pythonCryptographyMissing` says what is missing (python3, or the module) so a test can skip
 * with that reason; nothing else skips.
 */
import { execFileSync, spawnSync } from "node:child_process";

export const pythonCryptographyMissing: string | undefined = (() => {
  const probe = spawnSync("python3", ["-c", "import cryptography"], { encoding: "utf8" });
  if (probe.error) return `python3 is not installed (${probe.error.message})`;
  if (probe.status !== 0) return "python3 lacks the module `cryptography` (pip install cryptography)";
  return undefined;
})();

/** Runs `script` with `request` as JSON on its stdin and returns what it prints, parsed. */
export function runPython<T>(script: string, request: unknown): T {
  return JSON.parse(execFileSync("python3", ["-c", script], { input: JSON.stringify(request), encoding: "utf8" }));
}
