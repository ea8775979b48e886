/** What an app that imports the client ships: the client's own files, small, and no zod, model or Node module. */
import { describe, expect, it } from "vitest";
import { bundleClient } from "../../tools/client-size";

describe("the client's browser bundle", () => {
  it("holds only src/client (no zod, no functions, no packages) and stays under 10 KB gzipped", async () => {
    const bundle = await bundleClient();
    expect(bundle.inputs.every((input) => input.startsWith("src/client/"))).toBe(true);
    expect(bundle.inputs.some((input) => input.includes("zod"))).toBe(false);
    expect(bundle.inputs).not.toContain("src/client/types.ts"); // types only: nothing left to bundle
    expect(bundle.gzipBytes).toBeLessThan(10 * 1024);
  });
});
