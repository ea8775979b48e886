/**
 * The context a request gives its function's pre- and postprocessing: its release policy, and
 * state sealed for its caller, function and model. The state key is looked up only when state is
 * sealed or opened, so functions without state never need one.
 */
import type { Context } from "hono";
import { principalDigest } from "../auth/principal-digest";
import type { AppEnv } from "../env";
import { applyPolicy } from "../release/policies";
import { openState, type StateBinding, sealState } from "../release/sealed-state";
import { stateKey } from "../release/state-key";
import type { FunctionContext } from "./define";

/** `release` reads the request's policy when it is called: the probing watch may have narrowed it since. */
export function functionContext(c: Context<AppEnv>): FunctionContext {
  const { fn, principal } = c.var;
  const binding = async (): Promise<StateBinding> => ({
    principal: await principalDigest(principal),
    fn: fn.name,
    model: fn.model,
  });
  return {
    release: (scores) => applyPolicy(c.get("release").policy, scores),
    state: {
      seal: async (values) => sealState(await stateKey(c.env), await binding(), values),
      open: async (token, length) => openState(await stateKey(c.env), await binding(), token, length),
    },
  };
}
