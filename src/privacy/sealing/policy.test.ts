import { describe, expect, it } from "vitest";
import { fernetPolicy } from "./policy";

describe("a function's Fernet policy", () => {
  it("takes a duration or whole seconds, one day by default", () => {
    expect(fernetPolicy()).toEqual({ ttlSeconds: 86_400 });
    expect(fernetPolicy({ ttl: "30 m" })).toEqual({ ttlSeconds: 1800 });
    expect(fernetPolicy({ ttl: 90 })).toEqual({ ttlSeconds: 90 });
  });

  it("refuses, when the function loads, a ttl that is not at least one whole second", () => {
    for (const ttl of [0, -5, 1.5, "500 ms", "1.2 s", "a day"] as const)
      expect(() => fernetPolicy({ ttl: ttl as never }), String(ttl)).toThrow(/fernet\.ttl/);
  });
});
