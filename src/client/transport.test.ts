/** The transport's decisions on answers the real worker does not give on demand, with a scripted fetch. */
import { describe, expect, it } from "vitest";
import { BastionClientError } from "./errors";
import { parseRetryAfter } from "./retry";
import { createTransport } from "./transport";

/** A fetch that gives the scripted answers in turn, and counts the requests. */
function scripted(...answers: (() => Response)[]) {
  const script = { requests: 0, fetch: (async () => answers[script.requests++]()) as typeof fetch };
  return script;
}

async function send(fetchImpl: typeof fetch) {
  const transport = createTransport({ baseUrl: "http://bastion.test", token: "t", fetch: fetchImpl });
  return transport({ method: "GET", path: "/v2" }).catch((error: unknown) => {
    expect(error).toBeInstanceOf(BastionClientError);
    return error as BastionClientError;
  });
}

describe("the transport", () => {
  it("does not retry an answer whose body broke off", async () => {
    const breaking = () =>
      new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"outputs": ['));
            controller.error(new Error("connection reset"));
          },
        }),
      );
    const script = scripted(breaking, breaking);
    expect(await send(script.fetch)).toMatchObject({ code: "response_interrupted", status: undefined });
    expect(script.requests).toBe(1);
  });

  it("reads a status from an answer that is not Bastion's error body, and does not retry it", async () => {
    const script = scripted(() => new Response("<html>bad gateway</html>", { status: 502 }));
    expect(await send(script.fetch)).toMatchObject({ code: "http_502", status: 502, requestId: undefined });
    expect(script.requests).toBe(1);
  });

  it("retries a 503 that says when, and not a 429 that does not", async () => {
    const unavailable = () => new Response("{}", { status: 503, headers: { "retry-after": "0" } });
    const recovered = scripted(unavailable, () => new Response("{}"));
    expect(await send(recovered.fetch)).toMatchObject({ status: 200 });
    expect(recovered.requests).toBe(2);

    const silent = scripted(() => new Response('{"code":"rate_limited"}', { status: 429 }));
    expect(await send(silent.fetch)).toMatchObject({ status: 429, code: "rate_limited", retryAfter: undefined });
    expect(silent.requests).toBe(1);
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("7", now)).toBe(7);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:03 GMT", now)).toBe(3);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
