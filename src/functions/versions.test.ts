/** A function's model versions: declared beside the default, each served as its own view. */
import { describe, expect, it } from "vitest";
import digits from "../../functions/digits";
import type { ModelManifest } from "../models/manifest";
import { defineFunction } from "./define";
import { atModelVersion } from "./versions";

/** digits declared again, with other further versions. */
const redeclared = (versions: ModelManifest[]) =>
  defineFunction({ ...digits, probing: false, fernet: { ttl: digits.fernet.ttlSeconds }, versions });

describe("model versions", () => {
  it("lists the default first, and serves each version as the function with that model", () => {
    expect(digits.versions.map((m) => m.version)).toEqual(["1", "dp"]);
    expect(atModelVersion(digits, "1")?.model).toBe(digits.model);
    const dp = atModelVersion(digits, "dp");
    expect(dp?.model.version).toBe("dp");
    expect(dp).toMatchObject({ name: "digits", scope: digits.scope, versions: digits.versions });
    expect(atModelVersion(digits, "2")).toBeUndefined();
  });

  it("refuses a version declared twice, or one with another signature or preprocessing", () => {
    expect(() => redeclared([digits.model])).toThrow(/version "1" is declared twice/);
    const other = { ...digits.versions[1], signature: { ...digits.model.signature, dims: {} } };
    expect(() => redeclared([other])).toThrow(/version "dp" has another signature/);
    const otherPreprocessing = { ...digits.versions[1], preprocessing: { id: "digits-32x32/1", description: "x" } };
    expect(() => redeclared([otherPreprocessing])).toThrow(
      /version "dp" expects preprocessing digits-32x32\/1, the function implements digits-28x28-grey\/1/,
    );
    expect(redeclared([]).versions).toEqual([digits.model]);
  });
});
