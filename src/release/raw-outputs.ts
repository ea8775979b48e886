/**
 * Which outputs an OIP request receives. Score outputs go to every caller who may invoke the
 * function (released by its policy); raw ones only to callers who also hold `infer:raw`. A raw
 * output named in the request's `outputs` without it is refused (403 naming `infer:raw`): the
 * caller asked for something specific and should hear why not. A request that names no outputs
 * gets the ones it may have, the rest named in the response's `withheld_outputs` parameter; if
 * that leaves nothing (text-detect's only output is its probability map), it is refused too.
 */
import { holdsAny, RAW_OUTPUTS_SCOPE } from "../auth/scopes";
import type { Principal } from "../auth/types";
import { InsufficientScope } from "../errors";
import type { InferenceFunction } from "../functions/define";
import type { TensorSpec } from "../models/manifest";

export function releasableOutputs<Selected extends { spec: TensorSpec }>(
  fn: InferenceFunction,
  selected: Selected[],
  principal: Principal,
  namedInRequest: boolean,
): { released: Selected[]; withheld: string[]; raw: string[] } {
  const isRaw = (output: Selected) => !fn.release.scores.includes(output.spec.name);
  if (holdsAny(principal, [RAW_OUTPUTS_SCOPE]))
    return { released: selected, withheld: [], raw: selected.filter(isRaw).map((o) => o.spec.name) };
  const rawNames = selected.filter(isRaw).map((o) => o.spec.name);
  const released = selected.filter((o) => !isRaw(o));
  if (rawNames.length > 0 && (namedInRequest || released.length === 0)) {
    throw new InsufficientScope(RAW_OUTPUTS_SCOPE, `needed for the raw output${plural(rawNames)} ${quoted(rawNames)}`);
  }
  return { released, withheld: rawNames, raw: [] };
}

const plural = (names: string[]) => (names.length > 1 ? "s" : "");
const quoted = (names: string[]) => names.map((name) => `"${name}"`).join(", ");
