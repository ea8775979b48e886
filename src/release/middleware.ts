/**
 * Hono middleware: chooses the policy a request's answer is released under (the function's, or
 * RELEASE_POLICIES' for the function and the caller's tier) before anything is charged or run. A
 * malformed RELEASE_POLICIES is a 503 here, never a fall-back to the function's default.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { functionReleasePolicy, parseReleaseSettings } from "./settings";

export const chooseReleasePolicy = createMiddleware<AppEnv>(async (c, next) => {
  const settings = parseReleaseSettings(c.env.RELEASE_POLICIES);
  c.set("release", { policy: functionReleasePolicy(settings, c.get("fn"), c.get("principal").tier) });
  await next();
});
