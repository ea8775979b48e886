/**
 * Property-based fuzzing (fast-check) of everything a caller controls, against the real worker:
 * function bodies, PNGs, base64, OIP requests in JSON and binary, tokens, sealed states, paths and
 * headers, and (in Node) RATE_LIMITS and RELEASE_POLICIES. Every answer must be a 2xx or a 4xx with {"error", "code"}, never a 5xx
 * and never a hang, and the worker must still answer its liveness probe afterwards. The corpus of
 * requests that once failed is replayed first.
 *
 * `npm test` runs FUZZ_RUNS (default 40) cases per property; `npm run fuzz` runs 1,000 and saves
 * each counterexample it finds into corpus/. FUZZ_SEED replays a run.
 */
import fc from "fast-check";
import { encode } from "fast-png";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { functions } from "../../functions";
import { RateLimitNotConfigured, ReleasePolicyNotConfigured } from "../../src/errors";
import { DATATYPES } from "../../src/models/manifest";
import { parseRateLimitSettings } from "../../src/ratelimit/policy";
import { parseReleaseSettings } from "../../src/release/settings";
import { ihdr, PNG_SIGNATURE, pngChunk } from "../images";
import { startWorker, type TestWorker, tokenWithScopes } from "../worker";
import { type FuzzRequest, problemWith, readCorpus, recordFailure, send } from "./requests";

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const RECORD = process.env.FUZZ_RECORD === "1";
const UNLIMITED = { limit: 1_000_000, algorithm: "sliding-window" };

let worker: TestWorker;
let authorization: string;
beforeAll(async () => {
  worker = await startWorker({
    vars: {
      RATE_LIMITS: JSON.stringify({
        ip: UNLIMITED,
        reads: UNLIMITED,
        default: UNLIMITED,
        functions: Object.fromEntries(functions.map((fn) => [fn.name, UNLIMITED])),
      }),
    },
  });
  authorization = `Bearer ${await tokenWithScopes("infer:* models:read")}`;
});
afterAll(() => worker?.dispose());

/** Runs the property; a counterexample fails the test (and, under `npm run fuzz`, joins the corpus). */
async function everyAnswerIsClean(
  name: string,
  requests: fc.Arbitrary<FuzzRequest>,
  expected?: (status: number) => boolean,
) {
  const details = await fc.check(
    fc.asyncProperty(requests, async (request) => {
      const answer = await send(worker.anonymous, request, authorization);
      const problem =
        problemWith(answer) ?? (expected && !expected(answer.status) ? `answered ${answer.status}` : undefined);
      if (problem) throw new Error(problem);
    }),
    { numRuns: RUNS, seed: SEED },
  );
  if (details.failed) {
    if (RECORD && details.counterexample)
      recordFailure(details.counterexample[0], `npm run fuzz, ${name}: ${String(details.errorInstance)}`);
    throw new Error(fc.defaultReportMessage(details) ?? "property failed");
  }
  expect((await worker.anonymous("/v2/health/live")).status).toBe(200);
}

const json = (path: string, body: unknown): FuzzRequest => ({
  method: "POST",
  path,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

/** Anything a JSON array element can be, weighted toward the troublesome. */
const element = fc.oneof(
  { weight: 4, arbitrary: fc.double() },
  fc.integer(),
  fc.constantFrom(1e39, -1e39, 1e308, -0, Number.MIN_VALUE, 2 ** 53, -(2 ** 63)),
  fc.string({ maxLength: 8 }),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.double(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
);

/** An array about `length` long: short, long, or exact with a few elements replaced. */
const arrayNear = (length: number) =>
  fc.oneof(
    fc.array(element, { maxLength: 16 }),
    fc
      .tuple(fc.constantFrom(length - 1, length, length + 1), fc.array(fc.tuple(fc.nat(), element), { maxLength: 3 }))
      .map(([size, replacements]) => {
        const values: unknown[] = new Array(size).fill(0.25);
        for (const [at, value] of replacements) values[at % size] = value;
        return values;
      }),
  );

// PNGs: honest small images, then mutated at every level a decoder reads.
const honestPngs = [
  encode({ width: 8, height: 4, data: new Uint8Array(96).fill(200), channels: 3, depth: 8 }),
  encode({ width: 5, height: 5, data: new Uint8Array(100).fill(9), channels: 4, depth: 8 }),
  encode({ width: 3, height: 7, data: new Uint16Array(21).fill(4000), channels: 1, depth: 16 }),
].map((png) => Buffer.from(png));

function chunksOf(png: Buffer): { type: string; data: Buffer }[] {
  const chunks = [];
  for (let at = 8; at + 12 <= png.length; ) {
    const length = png.readUInt32BE(at);
    chunks.push({ type: png.toString("latin1", at + 4, at + 8), data: png.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return chunks;
}
const assemble = (chunks: { type: string; data: Uint8Array }[]) =>
  Buffer.concat([PNG_SIGNATURE, ...chunks.map((c) => pngChunk(c.type, c.data))]);

const pngBytes: fc.Arbitrary<Buffer> = fc.oneof(
  // A flipped bit anywhere (CRCs catch most).
  fc.tuple(fc.constantFrom(...honestPngs), fc.nat(), fc.integer({ min: 0, max: 7 })).map(([png, at, bit]) => {
    const copy = Buffer.from(png);
    copy[at % copy.length] ^= 1 << bit;
    return copy;
  }),
  // A header that lies (CRC fixed, so the decoder believes it).
  fc
    .tuple(
      fc.constantFrom(...honestPngs),
      fc.oneof(fc.nat({ max: 40 }), fc.constantFrom(2 ** 32 - 1, 65536, 4096)),
      fc.oneof(fc.nat({ max: 40 }), fc.constantFrom(2 ** 32 - 1, 65536, 4096)),
      fc.constantFrom(0, 1, 2, 4, 8, 16, 3, 255),
      fc.constantFrom(0, 2, 3, 4, 6, 1, 7),
      fc.constantFrom(0, 1, 2),
    )
    .map(([png, width, height, depth, colorType, interlace]) => {
      const [, ...rest] = chunksOf(png);
      return Buffer.concat([
        PNG_SIGNATURE,
        ihdr(width, height, depth, colorType, interlace),
        ...rest.map((c) => pngChunk(c.type, c.data)),
      ]);
    }),
  // Image data replaced: random bytes, or zlib data of the wrong size.
  fc
    .tuple(fc.constantFrom(...honestPngs), fc.uint8Array({ maxLength: 64 }))
    .map(([png, data]) => assemble(chunksOf(png).map((c) => (c.type === "IDAT" ? { type: "IDAT", data } : c)))),
  // Chunks added, dropped or repeated.
  fc
    .tuple(
      fc.constantFrom(...honestPngs),
      fc.constantFrom("iCCP", "zTXt", "tEXt", "IDAT", "IHDR", "IEND", "PLTE", "tRNS", "acTL", "fdAT", "abcd"),
      fc.uint8Array({ maxLength: 32 }),
      fc.nat(),
    )
    .map(([png, type, data, at]) => {
      const chunks = chunksOf(png);
      chunks.splice(at % (chunks.length + 1), 0, { type, data: Buffer.from(data) });
      return assemble(chunks);
    }),
  // Cut short.
  fc.tuple(fc.constantFrom(...honestPngs), fc.nat()).map(([png, at]) => png.subarray(0, at % png.length)),
);

const base64Text = fc.oneof(
  pngBytes.map((png) => png.toString("base64")),
  pngBytes.map((png) => ` ${png.toString("base64")}`),
  pngBytes.map((png) => png.toString("base64url")),
  pngBytes.map((png) => png.toString("base64").replace(/=+$/, "")),
  fc.base64String({ maxLength: 64 }),
  fc.string({ maxLength: 32 }),
);

describe("the corpus of requests that once failed", () => {
  it.each(readCorpus().map((entry) => [entry.file, entry] as const))("%s", async (_, entry) => {
    const answer = await send(worker.anonymous, entry.request, authorization);
    expect(problemWith(answer), entry.found).toBeUndefined();
    expect((await worker.anonymous("/v2/health/live")).status).toBe(200);
  });
});

describe("function bodies", () => {
  it.each(functions.map((fn) => fn.name))("%s: any JSON value", async (name) => {
    await everyAnswerIsClean(
      `${name} JSON`,
      fc.jsonValue().map((body) => json(`/v1/functions/${name}`, body)),
    );
  });

  it("vad: frames, states and thresholds of every shape", async () => {
    const first = await send(
      worker.anonymous,
      json("/v1/functions/vad", { audio: new Array(512).fill(0) }),
      authorization,
    );
    const sealed = (first.body as { state: string }).state;
    // Sealed states cut, lengthened, with a character changed, or made up; and the floats of old.
    const state = fc.oneof(
      arrayNear(256),
      fc.string({ maxLength: 64 }),
      fc.base64String({ maxLength: 2000 }).map((text) => text.replace(/=+$/, "")),
      fc.nat({ max: sealed.length }).map((at) => sealed.slice(0, at)),
      fc.string({ minLength: 1, maxLength: 8 }).map((tail) => sealed + tail),
      fc
        .tuple(fc.nat({ max: sealed.length - 1 }), fc.constantFrom(..."AZaz09-_+/=."))
        .map(([at, c]) => sealed.slice(0, at) + c + sealed.slice(at + 1)),
    );
    const body = fc.record(
      { audio: arrayNear(512), state, threshold: element, extra: element },
      { requiredKeys: ["audio"] },
    );
    await everyAnswerIsClean(
      "vad fields",
      body.map((b) => json("/v1/functions/vad", b)),
    );
  });

  it("text-orientation and text-detect: PNGs mutated at every level, and tensors of every shape", async () => {
    const side = fc.oneof(fc.constantFrom(32, 64, 0, -32, 33, 992, 2 ** 31), element);
    const body = fc.oneof(
      fc.record({ png: base64Text }),
      fc.record({ tensor: arrayNear(3 * 48 * 192) }),
      fc.record({ height: side, width: side, tensor: arrayNear(3 * 32 * 32) }),
      fc.record({ png: base64Text, tensor: arrayNear(3) }),
    );
    const target = fc.constantFrom("text-orientation", "text-detect");
    await everyAnswerIsClean(
      "image fields",
      fc.tuple(target, body).map(([fn, b]) => json(`/v1/functions/${fn}`, b)),
    );
  });
});

describe("the Open Inference Protocol", () => {
  /** A tensor as a client might describe one: often near the model's signature, sometimes not. */
  const tensor = (names: string[]) =>
    fc.record(
      {
        name: fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 8 })),
        datatype: fc.oneof(fc.constantFrom(...DATATYPES, "BYTES", "FP16"), fc.string({ maxLength: 6 })),
        shape: fc.array(
          fc.oneof(fc.integer({ min: -2, max: 4 }), fc.constantFrom(1, 2, 128, 512, 48, 192, 2 ** 31, 1e300)),
          {
            maxLength: 5,
          },
        ),
        data: fc.oneof(arrayNear(512), arrayNear(256), fc.array(arrayNear(4), { maxLength: 3 }), element),
        parameters: fc.record({ binary_data_size: fc.oneof(fc.nat({ max: 64 }), element) }, { requiredKeys: [] }),
      },
      { requiredKeys: ["name", "datatype", "shape"] },
    );
  const inferRequest = (names: string[], outputs: string[]) =>
    fc.record(
      {
        id: fc.oneof(fc.string({ maxLength: 8 }), element),
        inputs: fc.oneof(fc.array(tensor(names), { maxLength: 4 }), element),
        outputs: fc.array(
          fc.record({
            name: fc.oneof(fc.constantFrom(...outputs), fc.string()),
            parameters: fc.record({ binary_data: element }),
          }),
          {
            maxLength: 3,
          },
        ),
        parameters: fc.record({ binary_data_output: element }),
      },
      { requiredKeys: ["inputs"] },
    );
  const models = functions.map((fn) => ({
    name: fn.name,
    inputs: fn.model.signature.inputs.map((s) => s.name),
    outputs: fn.model.signature.outputs.map((s) => s.name),
  }));

  it("JSON infer requests", async () => {
    const requests = fc
      .constantFrom(...models)
      .chain((m) => inferRequest(m.inputs, m.outputs).map((body) => json(`/v2/models/${m.name}/infer`, body)));
    await everyAnswerIsClean("OIP JSON", requests);
  });

  it("binary infer requests: header lengths, sizes and trailing bytes that disagree", async () => {
    const requests = fc
      .tuple(
        fc.constantFrom(...models),
        fc.constantFrom(...models).chain((m) => inferRequest(m.inputs, m.outputs)),
        fc.oneof(
          fc.constant("exact"),
          fc.nat({ max: 4096 }).map(String),
          fc.constantFrom("-1", "1e3", "", "0x10", " 12"),
          fc.string({ maxLength: 4 }),
        ),
        fc.uint8Array({ maxLength: 4096 }),
        fc.constantFrom("application/octet-stream", "application/json", "text/plain", ""),
      )
      .map(([m, header, length, tail, type]): FuzzRequest => {
        const head = Buffer.from(JSON.stringify(header));
        const headers: Record<string, string> = {
          "inference-header-content-length": length === "exact" ? String(head.length) : length,
        };
        if (type) headers["content-type"] = type;
        return {
          method: "POST",
          path: `/v2/models/${m.name}/infer`,
          headers,
          bodyBase64: Buffer.concat([head, tail]).toString("base64"),
        };
      });
    await everyAnswerIsClean("OIP binary", requests);
  });
});

describe("what surrounds a body", () => {
  it("raw bodies of any bytes and content type, on any path, from any address", async () => {
    const paths = fc.oneof(
      fc.constantFrom(
        ...functions.flatMap((fn) => [
          `/v1/functions/${fn.name}`,
          `/v2/models/${fn.name}/infer`,
          `/v2/models/${fn.name}/versions/x/ready`,
        ]),
      ),
      fc.webPath().map((p) => `/v2${p}`),
      fc.webPath().map((p) => `/v1${p}`),
    );
    const requests = fc
      .tuple(
        fc.constantFrom("GET", "POST") as fc.Arbitrary<"GET" | "POST">,
        paths,
        fc.oneof(
          fc.string({ maxLength: 64 }),
          fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b).toString("latin1")),
        ),
        fc.constantFrom(
          "application/json",
          "application/json; charset=utf-16",
          "text/plain",
          "multipart/form-data",
          "",
        ),
        fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 16 })),
        fc.string({ maxLength: 40 }),
      )
      .map(
        ([method, path, body, type, ip, requestId]): FuzzRequest => ({
          method,
          path,
          headers: {
            ...(type ? { "content-type": type } : {}),
            "cf-connecting-ip": ip.replace(/[^\x20-\x7e]/g, ""),
            "x-request-id": requestId.replace(/[^\x20-\x7e]/g, ""),
          },
          body: method === "POST" ? body : undefined,
        }),
      );
    await everyAnswerIsClean("raw", requests);
  });

  it("tokens of every shape are a 401 with {error, code}", async () => {
    const segment = fc.oneof(
      fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v)).toString("base64url")),
      fc
        .record(
          {
            alg: fc.oneof(fc.constantFrom("none", "ES256", "HS256", "RS256", "EdDSA"), fc.string({ maxLength: 6 })),
            kid: fc.string({ maxLength: 6 }),
            typ: fc.oneof(fc.constantFrom("JWT", "at+jwt"), fc.string({ maxLength: 6 })),
            crit: fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }),
            exp: element,
            iat: element,
            sub: element,
          },
          { requiredKeys: [] },
        )
        .map((v) => Buffer.from(JSON.stringify(v)).toString("base64url")),
      fc.base64String({ maxLength: 24 }),
    );
    const credential = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.tuple(segment, segment, segment).map((parts) => `Bearer ${parts.join(".")}`),
      fc.tuple(segment, segment).map((parts) => `Bearer ${parts.join(".")}`),
      fc.string({ maxLength: 40 }).map((s) => `Bearer ${s}`),
    );
    const requests = credential.map(
      (value): FuzzRequest => ({
        method: "GET",
        path: "/v2/models/vad",
        headers: { authorization: value.replace(/[^\x20-\x7e]/g, "") || "x" },
      }),
    );
    await everyAnswerIsClean("tokens", requests, (status) => status === 401);
  });
});

/**
 * Any JSON setting shaped like `RATE_LIMITS` or `RELEASE_POLICIES` (entries of `entry`, under
 * `sections`, by function and by tier), any JSON at all, or any text: it parses, or it is refused
 * as not configured (a 503), never anything else.
 */
function anySettingParsesOrIsRefused(
  parse: (text: string) => unknown,
  notConfigured: abstract new (...args: never[]) => Error,
  entry: fc.Arbitrary<Record<string, unknown>>,
  sections: string[],
) {
  const byName = fc.dictionary(fc.string({ maxLength: 6 }), entry, { maxKeys: 2 });
  const settings = fc.oneof(
    fc.string(),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc
      .record(
        {
          ...Object.fromEntries(sections.map((section) => [section, entry])),
          functions: byName,
          tiers: fc.dictionary(
            fc.string({ maxLength: 6 }),
            fc.dictionary(fc.string({ maxLength: 3 }), entry, { maxKeys: 2 }),
            { maxKeys: 2 },
          ),
        },
        { requiredKeys: [] },
      )
      .map((v) => JSON.stringify(v)),
  );
  fc.assert(
    fc.property(settings, (text) => {
      try {
        parse(text);
      } catch (error) {
        if (!(error instanceof notConfigured)) throw error;
      }
    }),
    { numRuns: RUNS * 25, seed: SEED },
  );
}

describe("RATE_LIMITS", () => {
  it("any setting parses or is refused as not configured, never anything else", () => {
    const policy = fc.dictionary(
      fc.constantFrom("algorithm", "limit", "window", "refillRate", "onBackendFailure", "timeoutMs", "ipv6Prefix", "x"),
      element,
    );
    anySettingParsesOrIsRefused(parseRateLimitSettings, RateLimitNotConfigured, policy, ["default", "ip", "reads"]);
  });
});

describe("RELEASE_POLICIES", () => {
  it("any setting parses or is refused as not configured, never anything else", () => {
    const policy = fc.dictionary(
      fc.constantFrom("name", "decimals", "k", "cutoff", "scale", "beta", "gamma", "x"),
      fc.oneof(element, fc.constantFrom("full", "rounded", "top-k", "label-only", "gaussian-noise", "reverse-sigmoid")),
    );
    anySettingParsesOrIsRefused(parseReleaseSettings, ReleasePolicyNotConfigured, policy, []);
  });
});
