/**
 * Settings that arrive as JSON in one variable (RATE_LIMITS, RELEASE_POLICIES, USAGE_STATISTICS):
 * unset or blank is `{}`, anything else is parsed and checked by the setting's zod schema, and a
 * bad value is refused with the variable's name and the first problem's path. The last value's
 * verdict is kept, since the check runs on every request.
 */
import type { z } from "zod";
import type { BastionError } from "./errors";

export function jsonSettings<Schema extends z.ZodType>(
  name: string,
  schema: Schema,
  refuse: (message: string) => BastionError,
): (json: string | undefined) => z.output<Schema> {
  let last: { json: string | undefined; settings?: z.output<Schema>; error?: BastionError } | undefined;
  const parse = (json: string | undefined): { settings?: z.output<Schema>; error?: BastionError } => {
    let value: unknown = {};
    if (json !== undefined && json.trim() !== "") {
      try {
        value = JSON.parse(json);
      } catch {
        return { error: refuse(`${name} is not JSON`) };
      }
    }
    const result = schema.safeParse(value);
    if (result.success) return { settings: result.data };
    const issue = result.error.issues[0];
    const where = [name, ...issue.path.map(String)].join(".");
    return { error: refuse(`${where}: ${issue.message}`) };
  };
  return (json) => {
    const verdict = last !== undefined && last.json === json ? last : { json, ...parse(json) };
    last = verdict;
    if (verdict.error) throw verdict.error;
    return verdict.settings as z.output<Schema>;
  };
}
