/** Calling one of the worker's admin routes for a CLI: the answer's JSON, or the refusal printed and exit 1. */
export interface AdminTarget {
  base: string;
  token: string;
}

export async function callAdminRoute(
  { base, token }: AdminTarget,
  path: string,
  body?: unknown,
  method = "POST",
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(new URL(path, base), {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = (() => {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      return { error: text };
    }
  })();
  return { status: response.status, json };
}

/** The answer of a route that must succeed; any refusal ends the CLI with what the worker said. */
export async function requireAdminRoute(target: AdminTarget, path: string, body?: unknown, method = "POST") {
  const answer = await callAdminRoute(target, path, body, method);
  if (answer.status >= 400) {
    console.error(`bastion: ${answer.status} ${JSON.stringify(answer.json)}`);
    process.exit(1);
  }
  return answer.json;
}
