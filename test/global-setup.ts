/**
 * Builds the worker once for every test file, exactly as `wrangler deploy` would bundle it
 * (`--dry-run --outdir`), so tests run the deployable artifact; and reads every model's plaintext
 * once, so a model this project trains is trained (about a minute, once per machine) here, before
 * test files that each encrypt every model start at once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { readManifests, readPlaintext } from "../models/recipe";
import { buildBundle } from "../tools/local-worker";

declare module "vitest" {
  export interface ProvidedContext {
    workerBundle: string;
  }
}

export default async function setup(project: TestProject) {
  for (const manifest of await readManifests()) await readPlaintext(manifest);
  const outdir = mkdtempSync(path.join(tmpdir(), "bastion-bundle-"));
  buildBundle(outdir);
  project.provide("workerBundle", outdir);
  return () => rmSync(outdir, { recursive: true, force: true });
}
