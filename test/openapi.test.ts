/**
 * The OpenAPI document: valid OpenAPI 3.1 (checked by an OpenAPI validator against the official
 * schema), cut to what each caller may read, and a
 * contract test: real answers of the real worker, success and every documented error of every
 * route, hold to the document's status codes, media types, body schemas and headers.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { functions } from "../functions";
import { openApiDocument } from "../src/openapi/document";
import { encryptFernet, generateFernetKey, importFernetKeys } from "../src/privacy/fernet";
import { drawText, onPage, pngBase64 } from "./images";
import { postJson, startWorker, type TestWorker, tokenWithScopes } from "./worker";

// The document is read as plain JSON; its shape is what the validator checked.
// biome-ignore lint/suspicious/noExplicitAny: walking an arbitrary JSON document
type Json = Record<string, any>;
const workers: TestWorker[] = [];
async function start(vars: Record<string, string> = {}) {
  const started = await startWorker({ vars });
  workers.push(started);
  return started;
}
afterAll(() => Promise.all(workers.map((w) => w.dispose())));

async function expectValidOpenApi(document: Record<string, unknown>) {
  const result = await new Validator().validate(document);
  expect(result.errors ?? []).toEqual([]);
  expect(result.valid).toBe(true);
}

describe("the document", () => {
  it("npm run openapi's document (every function) is valid OpenAPI 3.1", async () => {
    const document = openApiDocument(functions, { serverUrl: "https://bastion.example.com" });
    await expectValidOpenApi(document);
    expect(document.openapi).toBe("3.1.0");
  });
});

describe("GET /openapi.json", () => {
  let worker: TestWorker;
  beforeAll(async () => {
    worker = await start();
  });

  it("serves a valid document of every function to models:read, with this deployment as the server", async () => {
    const response = await worker.fetch("/openapi.json", {
      headers: { authorization: `Bearer ${await tokenWithScopes("models:read")}` },
    });
    expect(response.status).toBe(200);
    const document = (await response.json()) as Json;
    await expectValidOpenApi(document);
    expect(document.servers).toEqual([{ url: worker.url.origin }]);
    expect(Object.keys(document.paths)).toContain("/v1/functions/text-detect");
    expect(document.components.schemas["vad.input"].properties.audio.minItems).toBe(512);
  });

  it("lists only the functions the caller may read", async () => {
    const response = await worker.fetch("/openapi.json", {
      headers: { authorization: `Bearer ${await tokenWithScopes("infer:vad")}` },
    });
    expect(response.status).toBe(200);
    const document = (await response.json()) as Json;
    await expectValidOpenApi(document);
    const paths = Object.keys(document.paths);
    expect(paths).toContain("/v1/functions/vad");
    expect(paths.filter((p) => p.includes("text-"))).toEqual([]);
    expect(Object.keys(document.components.schemas).filter((name) => name.startsWith("text-"))).toEqual([]);
  });

  it("refuses a token that may read no function (403) and a missing one (401)", async () => {
    const response = await worker.fetch("/openapi.json", {
      headers: { authorization: `Bearer ${await tokenWithScopes("usage:read")}` },
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: "insufficient_scope" });
    expect((await worker.anonymous("/openapi.json")).status).toBe(401);
  });
});

/**
 * Holds answers to the document. Each answer is checked against the operation of its route and
 * the response its status selects; what was checked is counted per route template and status,
 * so the last test can require every documented answer to have been seen.
 */
class Contract {
  readonly seen = new Set<string>();
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });

  constructor(private readonly document: Json) {
    this.ajv.addSchema(document, "openapi");
  }

  async check(method: string, path: string, response: Response): Promise<void> {
    const where = `${method.toUpperCase()} ${path} -> ${response.status}`;
    const operation = this.document.paths[path]?.[method];
    expect(operation, `${where}: not in the document`).toBeDefined();
    const declared = operation.responses[String(response.status)];
    expect(declared, `${where}: status not documented`).toBeDefined();
    const spec = this.resolve(declared);
    const mediaType = (response.headers.get("content-type") ?? "").split(";")[0].trim();
    expect(Object.keys(spec.content ?? {}), `${where}: media type`).toContain(mediaType);
    for (const [name, header] of Object.entries((spec.headers ?? {}) as Json)) {
      const { required, schema } = this.resolve(header);
      const value = response.headers.get(name);
      if (required) expect(value, `${where}: header ${name}`).not.toBeNull();
      if (value !== null && schema.type === "integer") expect(value, `${where}: header ${name}`).toMatch(/^\d+$/);
    }
    if (mediaType === "application/json") {
      const schemaRef = spec.content[mediaType].schema;
      const validate = this.ajv.compile(schemaRef.$ref ? { $ref: `openapi${schemaRef.$ref}` } : schemaRef);
      const body = await response.json();
      expect(validate(body) ? [] : validate.errors, `${where}: body`).toEqual([]);
    } else if (mediaType === "application/fernet") {
      // Version 0x80, then a timestamp whose top bytes are zero for millennia.
      expect(await response.text(), `${where}: body`).toMatch(/^gAAAAA[A-Za-z0-9_-]+=*$/);
    } else {
      expect(response.headers.get("inference-header-content-length"), `${where}: binary header`).toMatch(/^\d+$/);
    }
    this.seen.add(`${method} ${template(path)} ${response.status}`);
  }

  /** Every (route template, status) the document declares. */
  declared(): Set<string> {
    const all = new Set<string>();
    for (const [path, item] of Object.entries(this.document.paths as Json))
      for (const [method, operation] of Object.entries(item as Json))
        for (const status of Object.keys(operation.responses))
          if (status !== "default") all.add(`${method} ${template(path)} ${status}`);
    return all;
  }

  private resolve(object: Json): Json {
    if (!object.$ref) return object;
    const [, kind, name] = (object.$ref as string).replace("#/", "").split("/");
    return this.document.components[kind][name];
  }
}

/** A route as the app registers it, whichever function it names. */
function template(path: string): string {
  const names = functions.map((fn) => fn.name).join("|");
  return path.replace(new RegExp(`/(${names})(/|$)`), "/{name}$2");
}

describe("contract: real answers match the document", () => {
  let worker: TestWorker;
  let contract: Contract;
  const auth = async (scope: string) => ({ authorization: `Bearer ${await tokenWithScopes(scope)}` });
  const vadFrame = { audio: new Array(512).fill(0) };
  const vadTensors = (binary: boolean) => ({
    inputs: [
      { name: "input", datatype: "FP32", shape: [1, 512], data: new Array(512).fill(0) },
      { name: "state", datatype: "FP32", shape: [2, 1, 128], data: new Array(256).fill(0) },
      { name: "sr", datatype: "INT64", shape: [], data: [16000] },
    ],
    outputs: [{ name: "output", parameters: { binary_data: binary } }],
  });
  const get = async (path: string, headers?: Record<string, string>, w = worker) =>
    contract.check("get", path, await w.fetch(path, { headers }));
  const post = async (path: string, body: unknown, headers?: Record<string, string>, w = worker) =>
    contract.check("post", path, await postJson(w, path, body, headers));
  const authenticatedPaths = (fn = "vad") => [
    ["get", "/v2"],
    ["get", "/v1/principal"],
    ["get", "/v1/functions"],
    ["get", "/openapi.json"],
    ["get", "/v1/usage"],
    ["post", `/v1/functions/${fn}`],
    ...["", `/versions/${functions.find((f) => f.name === fn)?.model.version}`].flatMap((version) => [
      ["get", `/v2/models/${fn}${version}`],
      ["get", `/v2/models/${fn}${version}/ready`],
      ["post", `/v2/models/${fn}${version}/infer`],
    ]),
  ];
  /** The path as documented: a concrete version is the `{model_version}` parameter. */
  const documented = (path: string) => path.replace(/\/versions\/[^/]+/, "/versions/{model_version}");

  const fernetKey = generateFernetKey();
  const sealed = async (value: unknown) => ({
    fernet: await encryptFernet(await importFernetKeys(fernetKey), new TextEncoder().encode(JSON.stringify(value))),
  });

  beforeAll(async () => {
    worker = await start({
      RATE_LIMITS: JSON.stringify({ ip: { limit: 10_000 }, reads: { limit: 10_000 }, default: { limit: 10_000 } }),
      FERNET_KEYS: fernetKey,
    });
    const response = await worker.fetch("/openapi.json");
    contract = new Contract((await response.json()) as Json);
  });

  it("success on every route, for every function", async () => {
    await get("/v2/health/live");
    await get("/v2/health/ready");
    for (const path of ["/v2", "/v1/principal", "/v1/functions", "/openapi.json"]) await get(path);
    await get("/v1/usage", await auth("usage:read"));
    const page = pngBase64(onPage(drawText("hold the paper"), 320, 160, 20, 60));
    const inputs: Record<string, unknown> = {
      vad: vadFrame,
      "text-orientation": { png: pngBase64(drawText("hold")) },
      "text-detect": { png: page },
    };
    for (const fn of functions) {
      await post(`/v1/functions/${fn.name}`, inputs[fn.name]);
      for (const version of ["", `/versions/${fn.model.version}`]) {
        const base = `/v2/models/${fn.name}${version}`;
        await contract.check("get", documented(base), await worker.fetch(base));
        await contract.check("get", documented(`${base}/ready`), await worker.fetch(`${base}/ready`));
      }
    }
    // A sealed field in, a sealed answer out.
    await post("/v1/functions/vad", { audio: await sealed(vadFrame.audio) }, { "bastion-seal": "fernet" });
    for (const binary of [false, true])
      await contract.check(
        "post",
        "/v2/models/vad/infer",
        await postJson(worker, "/v2/models/vad/infer", vadTensors(binary)),
      );
    const versioned = `/v2/models/vad/versions/${functions[0].model.version}/infer`;
    await contract.check("post", documented(versioned), await postJson(worker, versioned, vadTensors(false)));
  });

  it("400, 403, 404, 413 and 415 where the document says", async () => {
    const vadVersion = functions.find((fn) => fn.name === "vad")?.model.version;
    const invocations = ["/v1/functions/vad", "/v2/models/vad/infer", `/v2/models/vad/versions/${vadVersion}/infer`];
    const reader = await auth("models:read");
    const tooLarge = { audio: new Array(20_000).fill(0.123456789) };
    for (const path of invocations) {
      const oip = path.startsWith("/v2");
      const invalid = oip ? { inputs: [{ name: "input", datatype: "FP32", shape: [1], data: [0] }] } : { audio: [1] };
      const valid = oip ? vadTensors(false) : vadFrame;
      const plainText = { method: "POST", headers: { "content-type": "text/plain" }, body: "hello" };
      const answers = [
        await postJson(worker, path, invalid),
        await postJson(worker, path, valid, reader),
        await postJson(worker, path, tooLarge),
        await worker.fetch(path, plainText),
      ];
      expect(answers.map((r) => r.status)).toEqual([400, 403, 413, 415]);
      for (const answer of answers) await contract.check("post", documented(path), answer);
    }
    const badSeals = [
      await postJson(worker, "/v1/functions/vad", { audio: { fernet: "not a token" } }),
      await postJson(worker, "/v1/functions/vad", vadFrame, { "bastion-seal": "jwe" }),
    ];
    expect(await Promise.all(badSeals.map(async (r) => [r.status, ((await r.clone().json()) as Json).code]))).toEqual([
      [400, "invalid_fernet_token"],
      [400, "unsupported_seal"],
    ]);
    for (const answer of badSeals) await contract.check("post", "/v1/functions/vad", answer);
    await get("/openapi.json", await auth("usage:read"));
    // Usage: without usage:read, and a range that ends before it starts.
    await contract.check("get", "/v1/usage", await worker.fetch("/v1/usage", { headers: await auth("infer:vad") }));
    await contract.check(
      "get",
      "/v1/usage",
      await worker.fetch("/v1/usage?from=2026-11-20&to=2026-11-10", { headers: await auth("usage:read") }),
    );
    const stranger = await auth("infer:text-detect");
    for (const [method, path] of authenticatedPaths().filter(([, p]) => p.includes("/vad"))) {
      const response =
        method === "get"
          ? await worker.fetch(path, { headers: stranger })
          : await postJson(worker, path, vadFrame, stranger);
      expect(response.status, path).toBe(404);
      await contract.check(method, documented(path), response);
    }
    for (const path of ["/v2/models/vad/versions/0.0.0-none", "/v2/models/vad/versions/0.0.0-none/ready"])
      await contract.check("get", documented(path), await worker.fetch(path));
    await contract.check(
      "post",
      "/v2/models/vad/versions/{model_version}/infer",
      await postJson(worker, "/v2/models/vad/versions/0.0.0-none/infer", vadTensors(false)),
    );
  });

  it("401 without a token on every route behind one", async () => {
    for (const [method, path] of authenticatedPaths()) {
      const response = await worker.anonymous(path, { method: method.toUpperCase() });
      expect(response.status, path).toBe(401);
      await contract.check(method, documented(path), response);
    }
  });

  it("429 over the per-address limit on every route behind a token", async () => {
    const tight = await start({
      RATE_LIMITS: JSON.stringify({
        ip: { algorithm: "token-bucket", limit: 1, refillRate: 1, window: "1 h", timeoutMs: 10_000 },
      }),
    });
    let address = 0;
    for (const [method, path] of authenticatedPaths()) {
      const headers = { "cf-connecting-ip": `203.0.113.${++address}` };
      const call = () => (method === "get" ? tight.fetch(path, { headers }) : postJson(tight, path, vadFrame, headers));
      await call();
      const response = await call();
      expect(response.status, path).toBe(429);
      await contract.check(method, documented(path), response);
    }
  });

  it("503 when a dependency is down or a setting is wrong, on every route", async () => {
    const broken = await start({
      CORS_ORIGINS: "*",
      UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9",
      UPSTASH_REDIS_REST_TOKEN: "unused",
      RATE_LIMITS: JSON.stringify({ ip: { timeoutMs: 200, onBackendFailure: "closed" } }),
    });
    await get("/v2/health/ready", undefined, broken);
    for (const [method, path] of authenticatedPaths()) {
      const response = method === "get" ? await broken.fetch(path) : await postJson(broken, path, vadFrame);
      expect(response.status, path).toBe(503);
      await contract.check(method, documented(path), response);
    }
  });

  it("every documented answer of every route was seen", () => {
    expect([...contract.declared()].filter((answer) => !contract.seen.has(answer))).toEqual([]);
  });
});
