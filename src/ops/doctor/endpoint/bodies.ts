/**
 * Bodies a server must refuse before they cost it anything: one far over any sane inference
 * request (declared, and streamed without a length), and malformed ones that trip naive parsers
 * (truncated, nested deeper than a recursive parser's stack, numbers past float range, bytes that
 * are not UTF-8, the wrong media type). Each must get a 4xx quickly, and the server must still
 * be serving afterwards.
 */
import type { CheckResult } from "../types";
import { answered, type ProbeFailure, type ProbeResponse } from "./http";
import { bearer, type Check, type Session } from "./types";

const OVERSIZE_BYTES = 8 * 1024 * 1024;
const OVERSIZE_DEADLINE_MS = 5_000;
const MALFORMED_DEADLINE_MS = 2_000;

const callerHeaders = (session: Session) => ({
  "content-type": "application/json",
  ...(session.token ? bearer(session.token) : {}),
});

export const oversizeBodies: Check = async (session): Promise<CheckResult> => {
  const base = { id: "oversize-body", title: "oversize bodies refused quickly" };
  const path = `/v2/models/${session.model}/infer`;
  const outcomes: string[] = [];
  let worst: CheckResult["status"] = "pass";
  for (const chunked of [false, true]) {
    const response = await session.send({
      method: "POST",
      path,
      headers: callerHeaders(session),
      streamed: {
        bytes: OVERSIZE_BYTES,
        chunked,
        prefix: `{"inputs": [{"name": "input", "datatype": "FP32", "shape": [${OVERSIZE_BYTES / 2}], "data": [`,
        suffix: "0]}]}",
      },
      timeoutMs: OVERSIZE_DEADLINE_MS * 2,
    });
    const [status, outcome] = judgeOversize(response);
    outcomes.push(`${chunked ? "chunked" : "with Content-Length"}: ${outcome}`);
    if (status === "fail" || (status === "skip" && worst === "pass")) worst = status;
  }
  const detail = `8 MiB to ${path}, ${outcomes.join("; ")}`;
  if (worst === "pass") return { ...base, status: "pass", detail };
  if (worst === "skip") return { ...base, status: "skip", detail: `${detail}: give --token to reach the body limit` };
  return {
    ...base,
    status: "fail",
    detail,
    fix: "refuse a body over the model's input size with 413 before reading it (Bastion: each function's maxBodyBytes, 1 MiB by default)",
  };
};

function judgeOversize(response: ProbeResponse | ProbeFailure): [CheckResult["status"], string] {
  if (!answered(response))
    // A server that answers 413 may close before the upload ends; the client then sees a reset.
    return /ECONNRESET|EPIPE/.test(response.error) && response.ms < OVERSIZE_DEADLINE_MS
      ? ["pass", `connection closed after ${response.ms} ms`]
      : ["fail", `no answer (${response.error}) after ${response.ms} ms`];
  const said = `${response.status} in ${response.ms} ms`;
  if (response.ms > OVERSIZE_DEADLINE_MS) return ["fail", `${said}: too slow`];
  if (response.status === 413) return ["pass", said];
  if (response.status === 401 || response.status === 403) return ["skip", `${said} (refused before the body)`];
  if (response.status < 300) return ["fail", `${said}: accepted`];
  return ["fail", `${said}: not refused for its size`];
}

const MALFORMED: { name: string; contentType: string; body: string | Uint8Array }[] = [
  { name: "truncated JSON", contentType: "application/json", body: '{"inputs": [{"name": "input", "data": [1, 2' },
  {
    name: "nested 100,000 deep",
    contentType: "application/json",
    body: `${"[".repeat(100_000)}${"]".repeat(100_000)}`,
  },
  {
    name: "numbers past float range",
    contentType: "application/json",
    body: '{"inputs": [{"name": "input", "datatype": "FP32", "shape": [2], "data": [1e999999, -1e999999]}]}',
  },
  {
    name: "invalid UTF-8",
    contentType: "application/json",
    body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
  },
  { name: "wrong media type", contentType: "text/plain", body: "inputs=1" },
];

export const malformedBodies: Check = async (session): Promise<CheckResult> => {
  const base = { id: "malformed-body", title: "malformed bodies refused quickly" };
  const path = `/v2/models/${session.model}/infer`;
  const problems: string[] = [];
  let slowest = 0;
  for (const { name, contentType, body } of MALFORMED) {
    const response = await session.send({
      method: "POST",
      path,
      headers: { ...callerHeaders(session), "content-type": contentType },
      body,
      timeoutMs: MALFORMED_DEADLINE_MS * 5,
    });
    if (!answered(response)) {
      problems.push(`${name}: no answer (${response.error})`);
      continue;
    }
    slowest = Math.max(slowest, response.ms);
    if (response.status >= 500) problems.push(`${name}: ${response.status}`);
    else if (response.status < 400) problems.push(`${name}: accepted (${response.status})`);
    else if (response.ms > MALFORMED_DEADLINE_MS) problems.push(`${name}: ${response.status} after ${response.ms} ms`);
  }
  const live = await session.send({ path: "/v2/health/live" });
  if (!answered(live) || live.status !== 200) problems.push("the server stopped answering /v2/health/live afterwards");
  return problems.length === 0
    ? {
        ...base,
        status: "pass",
        detail: `${MALFORMED.map((m) => m.name).join(", ")}: each a 4xx, the slowest in ${slowest} ms; still serving`,
      }
    : {
        ...base,
        status: "fail",
        detail: problems.join("; "),
        fix: "validate the body against the model's input before any work: 400 for malformed, 415 for other media types",
      };
};
