import { describe, expect, it } from "vitest";
import { maskCredentials } from "./redis-url";

describe("maskCredentials", () => {
  it("masks a password wherever a Redis URL carries one, and keeps the rest", () => {
    expect(maskCredentials("redis://:s3cret@127.0.0.1:6379")).toBe("redis://:***@127.0.0.1:6379");
    expect(maskCredentials("rediss://app:s3cret@cache.example:6380/2")).toBe("rediss://app:***@cache.example:6380/2");
    expect(maskCredentials("redis://127.0.0.1:6379?password=s3cret&db=1")).toBe(
      "redis://127.0.0.1:6379?password=***&db=1",
    );
    expect(maskCredentials("redis://127.0.0.1:6379")).toBe("redis://127.0.0.1:6379");
  });

  it("shows nothing of a URL it cannot parse", () => {
    expect(maskCredentials("s3cret@@not a url")).not.toContain("s3cret");
  });
});
