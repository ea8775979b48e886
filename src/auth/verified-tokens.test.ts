import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import type { AuthConfig, Principal } from "./types";
import { verifiedTokens } from "./verified-tokens";

const config = { clockToleranceSeconds: 30 } as AuthConfig;
const principal: Principal = { subject: "alice", tier: "default", scopes: new Set(["infer:*"]) };
const token = (exp?: number) =>
  new SignJWT(exp === undefined ? {} : { exp })
    .setProtectedHeader({ alg: "HS256" })
    .sign(new TextEncoder().encode("a test secret, not a real one"));

describe("verifiedTokens", () => {
  it("answers a verified token until its exp plus the clock tolerance, never past it", async () => {
    const now = 1_800_000_000_000;
    const exp = now / 1000 + 10;
    const t = await token(exp);
    const cache = verifiedTokens(config);
    expect(cache.get(t, now)).toBeUndefined();
    cache.add(t, principal, now);
    expect(cache.get(t, now + 1)).toBe(principal);
    expect(cache.get(t, (exp + 30) * 1000 - 1)).toBe(principal);
    expect(cache.get(t, (exp + 30) * 1000)).toBeUndefined();
    // Gone for good: verification decides again (and answers "token has expired").
    expect(cache.get(t, now + 1)).toBeUndefined();
  });

  it("keeps no token longer than a minute, whatever its exp", async () => {
    const now = 1_800_000_000_000;
    const t = await token(now / 1000 + 3600);
    const cache = verifiedTokens(config);
    cache.add(t, principal, now);
    expect(cache.get(t, now + 59_999)).toBe(principal);
    expect(cache.get(t, now + 60_000)).toBeUndefined();
  });

  it("answers only the exact token string, and keeps none without exp", async () => {
    const now = 1_800_000_000_000;
    const t = await token(now / 1000 + 60);
    const cache = verifiedTokens(config);
    cache.add(t, principal, now);
    expect(cache.get(`${t}x`, now)).toBeUndefined();
    expect(cache.get(t.slice(0, -1), now)).toBeUndefined();
    const noExp = await token();
    cache.add(noExp, principal, now);
    expect(cache.get(noExp, now)).toBeUndefined();
  });

  it("holds at most 256 tokens, dropping the oldest", async () => {
    const now = 1_800_000_000_000;
    const cache = verifiedTokens(config);
    const tokens = await Promise.all(Array.from({ length: 257 }, (_, i) => token(now / 1000 + 60 + i)));
    for (const t of tokens) cache.add(t, principal, now);
    expect(cache.get(tokens[0], now)).toBeUndefined();
    expect(cache.get(tokens[1], now)).toBe(principal);
    expect(cache.get(tokens[256], now)).toBe(principal);
  });
});
