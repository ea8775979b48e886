/** What `wrangler deploy` would upload: the worker and ORT's runtime, never a model. */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { readManifests, readPlaintext } from "../models/recipe";

describe("the deployable bundle", () => {
  it("holds the worker and ORT's wasm, and no model bytes", async () => {
    const bundle = inject("workerBundle");
    const files = readdirSync(bundle).filter((f) => !f.endsWith(".map") && f !== "README.md");
    expect(files.filter((f) => f.endsWith(".wasm"))).toHaveLength(1);
    expect(files.some((f) => f.endsWith(".onnx"))).toBe(false);
    const contents = files.map((f) => readFileSync(path.join(bundle, f)));
    for (const manifest of await readManifests()) {
      const plaintext = Buffer.from(await readPlaintext(manifest));
      // Slices from the middle of the weights, where a copy of the model could not hide.
      for (const at of [0.25, 0.5, 0.75]) {
        const start = Math.floor(plaintext.length * at);
        const slice = plaintext.subarray(start, start + 64);
        expect(contents.some((content) => content.includes(slice))).toBe(false);
      }
    }
  });
});
