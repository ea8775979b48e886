/** `npm run models -- verify` on this checkout: every committed signature and provenance holds. */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { readManifests } from "../models/recipe";
import { TRUSTED_KEYS_FILE } from "../models/signing";

const trustedNames = (JSON.parse(readFileSync(TRUSTED_KEYS_FILE, "utf8")) as { keys: { name: string }[] }).keys.map(
  (k) => k.name,
);

describe("npm run models -- verify", () => {
  it("finds every manifest signed by a trusted key, and each trained model's provenance sound", async () => {
    const { stdout } = await promisify(execFile)("npx", ["tsx", "tools/models.ts", "verify"], { encoding: "utf8" });
    for (const manifest of await readManifests()) {
      const name = `${manifest.id}@${manifest.version}`;
      const signer = new RegExp(`^${name}: signed by (\\S+),`, "m").exec(stdout)?.[1];
      expect(trustedNames).toContain(signer);
      if ("recipe" in manifest.source)
        expect(stdout).toMatch(
          new RegExp(`${name} provenance: built by urn:bastion:builder:models-cli:v1 from recipe commit [0-9a-f]{12}`),
        );
    }
    expect(stdout).not.toContain("REFUSED");
  });
});
