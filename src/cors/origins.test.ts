import { describe, expect, it } from "vitest";
import { parseCorsOrigins } from "./origins";

describe("CORS_ORIGINS", () => {
  it("is a comma-separated list of exact origins; unset or empty allows none", () => {
    expect([...parseCorsOrigins("https://app.example.com, http://localhost:8788 ,")]).toEqual([
      "https://app.example.com",
      "http://localhost:8788",
    ]);
    expect(parseCorsOrigins(undefined).size).toBe(0);
    expect(parseCorsOrigins(" ").size).toBe(0);
  });

  it.each([
    "*",
    "https://*.example.com",
    "https://app.example.com/",
    "https://app.example.com/path",
    "https://App.Example.com",
    "https://app.example.com:443",
    "https://user:pass@app.example.com",
    "app.example.com",
    "file:///tmp/page.html",
    "null",
  ])("refuses %s, naming it", (entry) => {
    expect(() => parseCorsOrigins(`https://ok.example.com,${entry}`)).toThrow(
      expect.objectContaining({ status: 503, code: "cors_not_configured", message: expect.stringContaining(entry) }),
    );
  });
});
