import { describe, expect, it } from "vitest";
import { InvalidInput } from "../errors";
import { MAX_JSON_DEPTH, parseJson } from "./body";

describe("parseJson", () => {
  it("parses JSON nested up to the limit, brackets inside strings not counted", () => {
    const nested = `${"[".repeat(MAX_JSON_DEPTH)}"[[[\\"{{{"${"]".repeat(MAX_JSON_DEPTH)}`;
    let value = parseJson(nested, "body");
    for (let level = 0; level < MAX_JSON_DEPTH; level++) value = (value as unknown[])[0];
    expect(value).toBe('[[["{{{');
  });

  it.each([
    [
      "one level too deep",
      `${"[".repeat(MAX_JSON_DEPTH + 1)}${"]".repeat(MAX_JSON_DEPTH + 1)}`,
      "body nests deeper than 32 levels",
    ],
    [
      "objects too",
      `${'{"a":'.repeat(MAX_JSON_DEPTH + 1)}1${"}".repeat(MAX_JSON_DEPTH + 1)}`,
      "body nests deeper than 32 levels",
    ],
    ["unclosed, a million deep", "[".repeat(1_000_000), "body nests deeper than 32 levels"],
    ["not JSON", "{audio: []}", "body is not valid JSON"],
  ])("refuses %s with 400 invalid_json", (_, text, message) => {
    expect(() => parseJson(text, "body")).toThrow(expect.objectContaining({ code: "invalid_json", message }));
    expect(() => parseJson(text, "body")).toThrow(InvalidInput);
  });
});
