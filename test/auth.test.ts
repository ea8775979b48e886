/**
 * Access tokens against the running worker: every kind of forged, expired, mis-scoped and
 * malformed token is a 401 or 403 (never a 5xx, never a pass); each allowed algorithm passes;
 * the identity provider's keys rotate without a failed request; and an outage of its JWKS
 * endpoint keeps cached keys working and fails closed without them.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CompactSign, exportSPKI, importJWK, SignJWT } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AUDIENCE, ISSUER, jwks, makeKey, sign, type TestKey } from "./tokens";
import { startWorker, type TestWorker, testIssuerKey } from "./worker";

/** The identity provider's JWKS endpoint, on loopback; its key set can change, and it can go down. */
class JwksServer {
  keys: TestKey[] = [];
  requests = 0;
  #server: Server | undefined;
  #port = 0;

  async start(): Promise<this> {
    this.#server = createServer((_, response) => {
      this.requests++;
      response.writeHead(200, { "content-type": "application/json" }).end(jwks(...this.keys));
    });
    await new Promise<void>((resolve) => this.#server?.listen(this.#port, "127.0.0.1", resolve));
    this.#port = (this.#server.address() as AddressInfo).port;
    return this;
  }

  get url() {
    return `http://127.0.0.1:${this.#port}/.well-known/jwks.json`;
  }

  async stop() {
    await new Promise((resolve) => this.#server?.close(resolve));
    this.#server?.closeAllConnections();
  }
}

const workers: TestWorker[] = [];
async function worker(vars: Record<string, string>) {
  const started = await startWorker({ vars });
  workers.push(started);
  return started;
}
afterAll(async () => {
  await Promise.all(workers.splice(0).map((w) => w.dispose()));
});

const frame = new Array(512).fill(0);
function callVad(w: TestWorker, headers: Record<string, string>, path = "/v1/functions/vad") {
  return w.anonymous(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ audio: frame }),
  });
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const now = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function expectRefused(response: Response, status: 401 | 403) {
  expect(response.status).toBe(status);
  const error = status === 401 ? "invalid_token" : "insufficient_scope";
  expect(response.headers.get("www-authenticate")).toMatch(new RegExp(`^Bearer realm="bastion", error="${error}"`));
  const body = (await response.json()) as { code: string; error: string };
  expect(body.code).toBe(error);
  return body;
}

describe("with keys from a JWKS endpoint", () => {
  let idp: JwksServer;
  let w: TestWorker;
  let rs: TestKey;
  let ps: TestKey;
  let es: TestKey;
  let ed: TestKey;
  let es384: TestKey;
  let stranger: TestKey;

  beforeAll(async () => {
    [rs, ps, es, ed, es384, stranger] = await Promise.all(
      ["RS256", "PS256", "ES256", "EdDSA", "ES384", "ES256"].map((alg) => makeKey(alg)),
    );
    idp = await new JwksServer().start();
    idp.keys = [rs, ps, es, ed, es384];
    w = await worker({ JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, JWT_JWKS_URL: idp.url, JWT_JWKS: "" });
  });
  afterAll(() => idp.stop());

  it.each(["RS256", "PS256", "ES256", "EdDSA"])("accepts a valid %s token", async (alg) => {
    const key = [rs, ps, es, ed].find((k) => k.alg === alg) as TestKey;
    const response = await callVad(w, bearer(await sign(key, { claims: { scope: "infer:vad" } })));
    expect(response.status).toBe(200);
  });

  it("accepts typ JWT or none, scp as an array or a string, a lowercase scheme, and exp within the clock tolerance", async () => {
    const tokens = [
      await sign(es, { header: { typ: "JWT" }, claims: { scope: "infer:vad" } }),
      await sign(es, { header: { typ: undefined }, claims: { scope: "infer:vad" } }),
      await sign(es, { claims: { scp: ["models:read", "infer:vad"] } }),
      await sign(es, { claims: { scp: "infer:vad models:read" } }),
      await sign(es, { claims: { scope: "infer:*" }, expiresIn: -10 }),
    ];
    for (const token of tokens) expect((await callVad(w, bearer(token))).status).toBe(200);
    expect((await callVad(w, { authorization: `bearer ${tokens[0]}` })).status).toBe(200);
  });

  it("puts the verified principal on the request", async () => {
    const token = await sign(es, {
      claims: {
        sub: "alice",
        client_id: "mobile-app",
        tid: "acme",
        tier: "pro",
        scope: "infer:vad models:read",
        jti: "t-1",
      },
    });
    const response = await w.anonymous("/v1/principal", { headers: bearer(token) });
    expect(await response.json()).toEqual({
      subject: "alice",
      clientId: "mobile-app",
      tenant: "acme",
      tier: "pro",
      scopes: ["infer:vad", "models:read"],
      tokenId: "t-1",
    });
  });

  describe("refuses with 401 invalid_token", () => {
    const cases: [string, () => Promise<Record<string, string>>][] = [
      ["no Authorization header", async () => ({})],
      ["a Basic credential", async () => ({ authorization: "Basic dXNlcjpwYXNz" })],
      ["Bearer without a token", async () => ({ authorization: "Bearer " })],
      [
        "two tokens",
        async () => ({ authorization: `Bearer ${await sign(es, { claims: { scope: "infer:vad" } })}, Bearer x` }),
      ],
      [
        "a token only in the query string",
        async () => ({ "x-path": `?access_token=${await sign(es, { claims: { scope: "infer:vad" } })}` }),
      ],
      [
        "a token only in a cookie",
        async () => ({ cookie: `access_token=${await sign(es, { claims: { scope: "infer:vad" } })}` }),
      ],
      ["two segments", async () => bearer(`${b64({ alg: "ES256" })}.${b64({ sub: "x" })}`)],
      ["characters outside base64url", async () => bearer("abc.def!.ghi")],
      [
        "a header that is not JSON",
        async () => bearer(`${Buffer.from("not json").toString("base64url")}.${b64({})}.c2ln`),
      ],
      [
        "alg none, unsigned",
        async () =>
          bearer(
            `${b64({ alg: "none" })}.${b64({ iss: ISSUER, aud: AUDIENCE, sub: "x", exp: now() + 60, scope: "infer:*" })}.`,
          ),
      ],
      [
        "alg none with a signature",
        async () =>
          bearer(
            `${b64({ alg: "none" })}.${b64({ iss: ISSUER, aud: AUDIENCE, sub: "x", exp: now() + 60, scope: "infer:*" })}.AAAA`,
          ),
      ],
      [
        "HS256 signed with the RSA public key (algorithm confusion)",
        async () => {
          const secret = new TextEncoder().encode(
            await exportSPKI((await importJWK(rs.publicJwk, "RS256", { extractable: true })) as CryptoKey),
          );
          return bearer(
            await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: "x", exp: now() + 60, scope: "infer:*" })
              .setProtectedHeader({ alg: "HS256", kid: rs.kid })
              .sign(secret),
          );
        },
      ],
      [
        "an ES256 token naming the RSA key's kid (wrong key type)",
        async () => bearer(await sign({ ...es, kid: rs.kid }, { claims: { scope: "infer:vad" } })),
      ],
      [
        "a trusted kid but another key's signature",
        async () => bearer(await sign({ ...stranger, kid: es.kid }, { claims: { scope: "infer:vad" } })),
      ],
      ["an unknown key", async () => bearer(await sign(stranger, { claims: { scope: "infer:vad" } }))],
      [
        "a payload changed after signing",
        async () => {
          const [header, , signature] = (await sign(es, { claims: { scope: "infer:text-detect" } })).split(".");
          return bearer(
            `${header}.${b64({ iss: ISSUER, aud: AUDIENCE, sub: "user-1", exp: now() + 60, scope: "infer:*" })}.${signature}`,
          );
        },
      ],
      [
        "a trusted key whose algorithm is not allowed (ES384)",
        async () => bearer(await sign(es384, { claims: { scope: "infer:vad" } })),
      ],
      [
        "an unknown crit header",
        async () =>
          bearer(await sign(es, { header: { crit: ["x-bind"], "x-bind": 1 }, claims: { scope: "infer:vad" } })),
      ],
      [
        "a jku header pointing elsewhere",
        async () =>
          bearer(await sign(es, { header: { jku: "https://evil.test/jwks" }, claims: { scope: "infer:vad" } })),
      ],
      [
        "an x5u header",
        async () =>
          bearer(await sign(es, { header: { x5u: "https://evil.test/cert" }, claims: { scope: "infer:vad" } })),
      ],
      [
        "an embedded jwk header",
        async () =>
          bearer(await sign(stranger, { header: { jwk: stranger.publicJwk }, claims: { scope: "infer:vad" } })),
      ],
      [
        "a typ that is not a JWT",
        async () => bearer(await sign(es, { header: { typ: "dpop+jwt" }, claims: { scope: "infer:vad" } })),
      ],
      [
        "an oversized token",
        async () => bearer(await sign(es, { claims: { scope: "infer:vad", pad: "x".repeat(9000) } })),
      ],
      ["an expired token", async () => bearer(await sign(es, { expiresIn: -120, claims: { scope: "infer:vad" } }))],
      ["no exp", async () => bearer(await sign(es, { expiresIn: null, claims: { scope: "infer:vad" } }))],
      ["nbf in the future", async () => bearer(await sign(es, { claims: { scope: "infer:vad", nbf: now() + 120 } }))],
      ["iat in the future", async () => bearer(await sign(es, { claims: { scope: "infer:vad", iat: now() + 120 } }))],
      [
        "another issuer",
        async () => bearer(await sign(es, { claims: { scope: "infer:vad", iss: "https://evil.test/" } })),
      ],
      ["another audience", async () => bearer(await sign(es, { claims: { scope: "infer:vad", aud: "someone-else" } }))],
      ["no audience", async () => bearer(await sign(es, { claims: { scope: "infer:vad", aud: undefined } }))],
      ["no subject", async () => bearer(await sign(es, { claims: { scope: "infer:vad", sub: undefined } }))],
      [
        "exp ten years away (over the one-day maximum lifetime)",
        async () => bearer(await sign(es, { expiresIn: 10 * 365 * 86_400, claims: { scope: "infer:vad" } })),
      ],
      [
        "a two-day token issued three days ago, expiring in a minute",
        async () => bearer(await sign(es, { expiresIn: 60, claims: { scope: "infer:vad", iat: now() - 3 * 86_400 } })),
      ],
      ["exp 1e308", async () => bearer(await sign(es, { claims: { scope: "infer:vad", exp: 1e308 } }))],
      [
        "exp 1e400 (Infinity once parsed)",
        async () => {
          const claims = `{"iss":"${ISSUER}","aud":"${AUDIENCE}","sub":"x","scope":"infer:vad","exp":1e400}`;
          const token = await new CompactSign(new TextEncoder().encode(claims))
            .setProtectedHeader({ alg: "ES256", kid: es.kid })
            .sign(es.privateKey);
          return bearer(token);
        },
      ],
      ["a fractional exp", async () => bearer(await sign(es, { claims: { scope: "infer:vad", exp: now() + 60.5 } }))],
      ["a fractional iat", async () => bearer(await sign(es, { claims: { scope: "infer:vad", iat: now() - 0.5 } }))],
    ];

    it.each(cases)("%s", async (_, headers) => {
      const { "x-path": query = "", ...rest } = await headers();
      await expectRefused(await callVad(w, rest, `/v1/functions/vad${query}`), 401);
    });

    it("counts at least 25 kinds of bad token", () => {
      expect(cases.length).toBeGreaterThanOrEqual(25);
    });
  });

  describe("a caller who may not read a function gets the 404 of a function that does not exist", () => {
    /** What a response tells: all of it but the request id, which differs per request. */
    const answer = async (response: Response) => {
      const { request_id: _, ...body } = (await response.json()) as Record<string, unknown>;
      return {
        status: response.status,
        body: JSON.stringify(body).replaceAll("vad", "NAME").replaceAll("nope", "NAME"),
        authenticate: response.headers.get("www-authenticate"),
      };
    };

    it.each([
      ["another function's scope", { scope: "infer:text-detect" }],
      ["no scope at all", {}],
      ["a prefix of the scope", { scope: "infer:va infer" }],
      ["the scope in another case", { scope: "INFER:VAD" }],
    ])("%s", async (_, claims) => {
      const headers = bearer(await sign(es, { claims }));
      const missing = await answer(await callVad(w, headers, "/v1/functions/nope"));
      expect(missing).toMatchObject({ status: 404, authenticate: null });
      expect(missing.body).toContain("function_not_found");
      for (const [path, init] of [
        ["/v1/functions/vad", { method: "POST", body: JSON.stringify({ audio: frame }) }],
        ["/v2/models/vad", {}],
        ["/v2/models/vad/versions/5", {}],
        ["/v2/models/vad/versions/4", {}],
        ["/v2/models/vad/ready", {}],
        ["/v2/models/vad/infer", { method: "POST", body: "{}" }],
      ] as const) {
        const probe = await w.anonymous(path, { ...init, headers: { ...headers, "content-type": "application/json" } });
        const nope = await w.anonymous(path.replace("vad", "nope"), {
          ...init,
          headers: { ...headers, "content-type": "application/json" },
        });
        expect(await answer(probe), path).toEqual(await answer(nope));
        expect(probe.status, path).toBe(404);
      }
    });

    it("while one who may read it but not call it gets 403 insufficient_scope, naming the scope", async () => {
      const reader = bearer(await sign(es, { claims: { scope: "models:read" } }));
      expect((await w.anonymous("/v2/models/vad", { headers: reader })).status).toBe(200);
      const infer = await w.anonymous("/v2/models/vad/infer", { method: "POST", headers: reader, body: "{}" });
      await expectRefused(infer, 403);
      const call = await callVad(w, reader);
      await expectRefused(call, 403);
      expect(call.headers.get("www-authenticate")).toContain('scope="infer:vad"');
    });
  });

  it("lists only the functions a caller may see", async () => {
    const response = await w.anonymous("/v1/functions", {
      headers: bearer(await sign(es, { claims: { scope: "infer:vad" } })),
    });
    expect(((await response.json()) as { functions: { name: string }[] }).functions.map((f) => f.name)).toEqual([
      "vad",
    ]);
  });

  it("keeps health public and everything else behind a token", async () => {
    expect((await w.anonymous("/v2/health/live")).status).toBe(200);
    expect((await w.anonymous("/v2/health/ready")).status).toBe(200);
    for (const path of ["/v2", "/v1/functions", "/v2/models/vad", "/v1/principal", "/no/such/route"])
      await expectRefused(await w.anonymous(path), 401);
  });
});

describe("key rotation at the identity provider", () => {
  let idp: JwksServer;
  afterEach(() => idp?.stop());

  it("publishes a new key, signs with it, retires the old one: no request fails, and the old key stops working", async () => {
    const [oldKey, newKey, surprise] = await Promise.all([makeKey("RS256"), makeKey("RS256"), makeKey("ES256")]);
    idp = await new JwksServer().start();
    idp.keys = [oldKey];
    const w = await worker({
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_JWKS_URL: idp.url,
      JWT_JWKS: "",
      JWT_JWKS_COOLDOWN: "1",
      JWT_JWKS_MAX_AGE: "2",
    });
    const statuses: number[] = [];
    const call = async (key: TestKey) => {
      const status = (await callVad(w, bearer(await sign(key, { claims: { scope: "infer:vad" } })))).status;
      statuses.push(status);
      return status;
    };
    // The IdP signs with the old key, then publishes the new one beside it and later signs with it.
    for (let i = 0; i < 3; i++) await call(oldKey);
    idp.keys = [oldKey, newKey];
    await call(oldKey);
    await sleep(2200);
    await call(oldKey);
    for (let i = 0; i < 3; i++) await call(newKey);
    // Then it retires the old key.
    idp.keys = [newKey];
    await sleep(2200);
    for (let i = 0; i < 3; i++) await call(newKey);
    expect(statuses).toEqual(new Array(statuses.length).fill(200));
    expect((await callVad(w, bearer(await sign(oldKey, { claims: { scope: "infer:vad" } })))).status).toBe(401);
    // A key used the moment it is published is fetched on its unknown kid, once the cooldown has passed.
    idp.keys = [newKey, surprise];
    await sleep(1100);
    expect(await call(surprise)).toBe(200);
  });
});

describe("an outage of the JWKS endpoint", () => {
  it("keeps cached keys working, refuses unknown keys, and fails closed with no keys at all", async () => {
    const [key, unknown] = await Promise.all([makeKey("ES256"), makeKey("ES256")]);
    const idp = await new JwksServer().start();
    idp.keys = [key];
    const settings = {
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_JWKS_URL: idp.url,
      JWT_JWKS: "",
      JWT_JWKS_COOLDOWN: "1",
      JWT_JWKS_MAX_AGE: "1",
    };
    const warm = await worker(settings);
    const token = await sign(key, { claims: { scope: "infer:vad" } });
    expect((await callVad(warm, bearer(token))).status).toBe(200);

    await idp.stop();
    await sleep(1200); // past the cache's max age: jose alone would now fail every request
    for (let i = 0; i < 3; i++) expect((await callVad(warm, bearer(token))).status).toBe(200);
    await expectRefused(await callVad(warm, bearer(await sign(unknown, { claims: { scope: "infer:vad" } }))), 401);

    const cold = await worker(settings);
    const refused = await callVad(cold, bearer(token));
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await refused.json()).toMatchObject({ code: "auth_unavailable" });
  });
});

describe("configuration", () => {
  it.each([
    ["no issuer", { JWT_ISSUER: "" }],
    ["no audience", { JWT_AUDIENCE: "" }],
    ["no key source", { JWT_JWKS: "" }],
    ["a clock tolerance over 5 minutes", { JWT_CLOCK_TOLERANCE: "301" }],
    ["a maximum token lifetime that is not a number", { JWT_MAX_TOKEN_LIFETIME: "forever" }],
    ["HS256 without a secret", { JWT_ALGORITHMS: "ES256,HS256" }],
    ["an unsupported algorithm", { JWT_ALGORITHMS: "none" }],
    ["a JWKS URL over plain http to another host", { JWT_JWKS_URL: "http://idp.test/jwks" }],
  ])("%s closes every protected route with 503 and makes the worker not ready", async (_, vars) => {
    const w = await worker(vars);
    const response = await w.fetch("/v1/functions");
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ code: "auth_not_configured" });
    expect((await w.anonymous("/v2/health/ready")).status).toBe(503);
    expect((await w.anonymous("/v2/health/live")).status).toBe(200);
  });

  it("JWT_MAX_TOKEN_LIFETIME sets the longest lifetime accepted", async () => {
    const w = await worker({ JWT_MAX_TOKEN_LIFETIME: String(2 * 86_400) });
    const key = await testIssuerKey();
    const lasting = (seconds: number) => sign(key, { expiresIn: seconds, claims: { scope: "infer:vad" } });
    expect((await callVad(w, bearer(await lasting(2 * 86_400 - 60)))).status).toBe(200);
    const refused = await expectRefused(await callVad(w, bearer(await lasting(3 * 86_400))), 401);
    expect(refused.error).toBe("token lifetime exceeds the maximum accepted");
  });

  it("accepts HS256 only with a configured shared secret", async () => {
    const secret = "a-shared-secret-of-at-least-32-characters";
    const w = await worker({ JWT_ALGORITHMS: "HS256", JWT_HMAC_SECRET: secret, JWT_JWKS: "" });
    const hs = (key: string) =>
      new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: "svc", exp: now() + 60, scope: "infer:vad" })
        .setProtectedHeader({ alg: "HS256" })
        .sign(new TextEncoder().encode(key));
    expect((await callVad(w, bearer(await hs(secret)))).status).toBe(200);
    await expectRefused(await callVad(w, bearer(await hs(`${secret}-guess`))), 401);
  });
});
