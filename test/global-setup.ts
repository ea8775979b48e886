/**
 * Builds the worker once for every test file, exactly as `wrangler deploy` would bundle it
 * (`--dry-run --outdir`), so tests run the deployable artifact.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { buildBundle } from "../tools/local-worker";

declare module "vitest" {
  export interface ProvidedContext {
    workerBundle: string;
  }
}

export default function setup(project: TestProject) {
  const outdir = mkdtempSync(path.join(tmpdir(), "bastion-bundle-"));
  buildBundle(outdir);
  project.provide("workerBundle", outdir);
  return () => rmSync(outdir, { recursive: true, force: true });
}
