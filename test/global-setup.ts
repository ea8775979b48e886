/**
 * Builds the worker once for every test file, exactly as `wrangler deploy` would bundle it
 * (`--dry-run --outdir`), so tests run the deployable artifact.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    workerBundle: string;
  }
}

export default function setup(project: TestProject) {
  const outdir = mkdtempSync(path.join(tmpdir(), "bastion-bundle-"));
  const wrangler = path.resolve("node_modules/wrangler/bin/wrangler.js");
  execFileSync(process.execPath, [wrangler, "deploy", "--dry-run", "--outdir", outdir], {
    stdio: "pipe",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  project.provide("workerBundle", outdir);
  return () => rmSync(outdir, { recursive: true, force: true });
}
