/**
 * What the server gives away. Errors must say what went wrong without a stack trace or a path on
 * the server; CORS must not let any web page read answers; no model file, encrypted or not, may be
 * downloadable at the places model servers and their static hosting usually put them; and the
 * headers must not time the server's internal stages (a side channel on model loading).
 */
import type { CheckResult } from "../types";
import { jsonOf } from "./discover";
import { answered, type ProbeResponse } from "./http";
import { bearer, type Check, header, type Session } from "./types";

const LEAKS: { what: string; pattern: RegExp }[] = [
  { what: "a JavaScript stack", pattern: /\bat .*?(?:\.[cm]?[jt]sx?|node:[\w/]+):\d+:\d+/ },
  { what: "a Python traceback", pattern: /Traceback \(most recent call last\)|File "[^"]+", line \d+/ },
  { what: "a Java stack", pattern: /\bat [\w$.]+\([\w$]+\.java:\d+\)/ },
  { what: "a Go panic", pattern: /goroutine \d+ \[/ },
  {
    what: "a server path",
    pattern: /(?:\/home\/|\/usr\/(?:lib|local)\/|\/opt\/|\/srv\/|node_modules\/|site-packages\/|[A-Z]:\\)/,
  },
];

export const errorLeaks: Check = async (session) => {
  const base = { id: "error-leaks", title: "errors leak no internals" };
  const headers = session.token ? bearer(session.token) : {};
  const infer = `/v2/models/${session.model}/infer`;
  // Errors a careless server explains with its stack: bad JSON, a wrong type, an odd path, a bad token.
  await session.send({
    method: "POST",
    path: infer,
    headers: { ...headers, "content-type": "application/json" },
    body: '{"inputs": [',
  });
  await session.send({
    method: "POST",
    path: infer,
    headers: { ...headers, "content-type": "application/json" },
    body: '{"inputs": [{"name": 1, "shape": "x", "datatype": null, "data": {}}]}',
  });
  await session.send({
    method: "POST",
    path: infer,
    headers: { ...headers, "content-type": "application/xml" },
    body: "<x/>",
  });
  await session.send({ path: `/v2/models/${session.model}%00%ff`, headers });
  await session.send({ path: "/v2/models/x", headers: { authorization: "Bearer e30.e30.e30" } });
  const leaks: string[] = [];
  for (const { method, path, response } of session.seen) {
    if (response.status < 400) continue;
    const found = LEAKS.find(({ pattern }) => pattern.test(response.text));
    if (found)
      leaks.push(
        `${method} ${path} → ${response.status} shows ${found.what}: "${excerpt(response.text, found.pattern)}"`,
      );
  }
  const errors = session.seen.filter((s) => s.response.status >= 400).length;
  return leaks.length === 0
    ? { ...base, status: "pass", detail: `${errors} error answers, none with a stack trace or a server path` }
    : {
        ...base,
        status: "fail",
        detail: leaks.slice(0, 3).join("; ") + (leaks.length > 3 ? ` and ${leaks.length - 3} more` : ""),
        fix: 'answer errors with a stable code and a message written for the caller ({"error", "code"}); log the detail server-side',
      };
};

function excerpt(text: string, pattern: RegExp): string {
  const at = text.search(pattern);
  return text.slice(Math.max(0, at - 10), at + 70).replace(/\s+/g, " ");
}

export const internalTimings: Check = async (session) => {
  const base = { id: "internal-timings", title: "no internal timings in headers" };
  const inferred = await inferOnZeros(session);
  const { seen } = session;
  const timed = seen.find((s) => header(s.response.headers, "server-timing") !== undefined);
  const scope = `${seen.length} answers${inferred ? `, among them an inference of ${inferred}` : ""}`;
  return timed
    ? {
        ...base,
        status: "warn",
        detail: `${timed.method} ${timed.path} sends Server-Timing: ${header(timed.response.headers, "server-timing")?.slice(0, 120)}`,
        fix: "leave Server-Timing off in production (Bastion: SERVER_TIMING=off): it times model loading and inference for anyone",
      }
    : { ...base, status: "pass", detail: `none in ${scope}` };
};

/**
 * One ordinary inference, as a client would send it, so that what a successful answer carries is
 * seen too: zeros in every input the model's metadata declares (a dynamic dimension as 1), on the
 * first model that accepts them. Returns that model's name.
 */
async function inferOnZeros(session: Session): Promise<string | undefined> {
  if (!session.token) return undefined;
  const headers = bearer(session.token);
  for (const model of session.models.slice(0, 4)) {
    const path = `/v2/models/${model}`;
    // Discovery read the first model's metadata with the token already: read it again only for others.
    const metadata =
      session.seen.find((s) => s.path === path && !s.anonymous && s.response.status === 200)?.response ??
      (await session.send({ path, headers }));
    const inputs = answered(metadata) && metadata.status === 200 ? zeroInputs(jsonOf(metadata.text)) : undefined;
    if (!inputs) continue;
    const response = await session.send({
      method: "POST",
      path: `/v2/models/${model}/infer`,
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ inputs }),
    });
    if (answered(response) && response.status === 200) return model;
  }
  return undefined;
}

function zeroInputs(metadata: unknown) {
  const declared = (metadata as { inputs?: { name: string; datatype: string; shape: number[] }[] })?.inputs;
  if (!Array.isArray(declared) || declared.some((i) => !Array.isArray(i.shape) || i.datatype === "BYTES"))
    return undefined;
  return declared.map(({ name, datatype, shape }) => {
    const dims = shape.map((d) => (d < 0 ? 1 : d));
    return {
      name,
      datatype,
      shape: dims,
      data: new Array(dims.reduce((a, b) => a * b, 1)).fill(datatype === "BOOL" ? false : 0),
    };
  });
}

/** A made-up origin no deployment allows, and `null` (sandboxed frames, file: pages). */
const FOREIGN_ORIGIN = "https://doctor-probe.invalid";

export const crossOrigin: Check = async (session) => {
  const base = { id: "cors", title: "CORS not open to any origin" };
  const path = session.admittedRoute ?? `/v2/models/${session.model}`;
  const open: string[] = [];
  for (const origin of [FOREIGN_ORIGIN, "null"]) {
    const preflight = await session.send({
      method: "OPTIONS",
      path: `/v2/models/${session.model}/infer`,
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
    });
    const actual = await session.send({ path, headers: { origin, ...(session.token ? bearer(session.token) : {}) } });
    for (const [kind, response] of [
      ["preflight", preflight],
      ["GET", actual],
    ] as const) {
      if (!answered(response)) continue;
      const allowed = header(response.headers, "access-control-allow-origin");
      if (allowed === "*" || allowed === origin)
        open.push(`${kind} from ${origin} → Access-Control-Allow-Origin: ${allowed}${credentialsNote(response)}`);
    }
  }
  return open.length === 0
    ? { ...base, status: "pass", detail: `neither ${FOREIGN_ORIGIN} nor a null origin is allowed` }
    : {
        ...base,
        status: "fail",
        detail: open.join("; "),
        fix: "allow only the exact origins of your own pages (Bastion: CORS_ORIGINS), never * or a reflected Origin",
      };
};

const credentialsNote = (response: ProbeResponse) =>
  header(response.headers, "access-control-allow-credentials") === "true" ? " with credentials" : "";

export const modelFiles: Check = async (session): Promise<CheckResult> => {
  const base = { id: "model-files", title: "no model file reachable" };
  const { model, version = "1" } = session;
  const paths = [
    `/models/${model}/model.onnx`,
    `/models/${model}/${version}/model.onnx`,
    `/${model}/${version}/model.onnx`,
    `/v2/models/${model}/model.onnx`,
    `/v2/models/${model}/versions/${version}/model.onnx`,
    `/models/${model}/${version}/default.onnx.enc`,
    `/models/${model}/${version}/default.envelope.json`,
    `/${model}.onnx`,
    "/model.onnx",
    `/models/${model}/`,
    "/models/",
  ];
  const callers = session.token ? [{}, bearer(session.token)] : [{}];
  const served: string[] = [];
  for (const path of paths)
    for (const headers of callers) {
      const response = await session.send({ path, headers });
      const what = answered(response) ? modelContent(response) : undefined;
      if (what) served.push(`${path} (${what}${"authorization" in headers ? ", with the token" : ""})`);
    }
  return served.length === 0
    ? {
        ...base,
        status: "pass",
        detail: `${paths.length} usual model-file paths, ${callers.length === 2 ? "with and without the token" : "anonymously"}: none served`,
      }
    : {
        ...base,
        status: "fail",
        detail: `served: ${[...new Set(served)].join("; ")}`,
        fix: "never serve the model repository; keep weights in private storage, encrypted at rest (Bastion: R2, envelope-encrypted, never routed)",
      };
};

/** What a 2xx answer holds, if it is model content: ONNX weights, an envelope, a listing of them. */
function modelContent(response: ProbeResponse): string | undefined {
  if (response.status < 200 || response.status >= 300) return undefined;
  const { body, text } = response;
  if (text.includes("bastion-envelope/")) return "an encrypted model's envelope";
  // ONNX is a protobuf ModelProto: ir_version (field 1, a small varint) first, then another of its
  // fields: producer name or version, domain, model version, doc string, graph or opset import.
  if (body[0] === 0x08 && body[1] > 0 && body[1] < 32 && [0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42].includes(body[2]))
    return "ONNX weights";
  if (/octet-stream/.test(header(response.headers, "content-type") ?? "") && body.length >= 1024)
    return "binary content";
  if (/\.onnx\b/.test(text) && /<a |Index of|\[/.test(text)) return "a listing of model files";
  return undefined;
}
