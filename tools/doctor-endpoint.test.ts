/**
 * `npm run doctor -- --base URL` from outside, against three real servers: `npm start` as shipped
 * (nothing to report but TLS, which loopback http cannot have), `npm start` with three settings
 * weakened (each weakness named, and nothing else), and a minimal plain OIP server over TLS
 * (test/plain-oip-server.ts: many findings, among them the three weaknesses it plants).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EndpointReport } from "../src/ops/doctor/endpoint";
import { DEFAULT_MAX_REQUESTS } from "../src/ops/doctor/endpoint/types";
import type { CheckResult } from "../src/ops/doctor/types";
import { npmStart, npmToken, stopAllNpmStarts, waitUntilReady } from "../test/npm-start";
import { PLAIN_MODEL, startPlainOipServer } from "../test/plain-oip-server";
import { freePort } from "./free-port";

const run = promisify(execFile);
const scratch = mkdtempSync(path.join(tmpdir(), "bastion-doctor-endpoint-"));
let plain: Awaited<ReturnType<typeof startPlainOipServer>> | undefined;
const ports = { clean: 0, weakened: 0 };

/** What the weakened npm start changes: reads unlimited, internal timings sent, 5 minutes' grace on expiry. */
const WEAKENED = {
  RATE_LIMITS: JSON.stringify({ reads: { limit: 100_000 } }),
  SERVER_TIMING: "on",
  JWT_CLOCK_TOLERANCE: "300",
};

beforeAll(async () => {
  ports.clean = await freePort();
  ports.weakened = await freePort();
  const starts = [npmStart(ports.clean), npmStart(ports.weakened, WEAKENED)];
  // A certificate for 127.0.0.1 made here; the doctor trusts it through --ca, as curl's --cacert.
  await run("openssl", [
    ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1"],
    ...["-keyout", path.join(scratch, "key.pem"), "-out", path.join(scratch, "cert.pem")],
    ...["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
  ]);
  plain = await startPlainOipServer({
    cert: readFileSync(path.join(scratch, "cert.pem"), "utf8"),
    key: readFileSync(path.join(scratch, "key.pem"), "utf8"),
  });
  await Promise.all(starts.map((started) => waitUntilReady(started, 180_000)));
}, 240_000);

afterAll(async () => {
  await stopAllNpmStarts();
  await plain?.close();
  rmSync(scratch, { recursive: true, force: true });
}, 60_000);

/** The doctor's JSON report and exit code; each run its own caller, so no run spends another's limit. */
async function doctor(base: string, args: string[] = []) {
  const outcome = await run(process.execPath, [
    "--import",
    "tsx",
    "tools/doctor.ts",
    "--base",
    base,
    "--json",
    ...args,
  ]).then(
    ({ stdout }) => ({ stdout, code: 0 }),
    (error: { stdout: string; stderr: string; code: number }) => ({
      stdout: error.stdout || error.stderr,
      code: error.code,
    }),
  );
  const report = JSON.parse(outcome.stdout) as EndpointReport;
  const byId = Object.fromEntries(report.results.map((r) => [r.id, r]));
  const notPassed = (status: CheckResult["status"]) =>
    report.results
      .filter((r) => r.status === status)
      .map((r) => r.id)
      .sort();
  return { code: outcome.code, report, byId, notPassed };
}

async function tokens(sub: string) {
  const scope = "infer:* models:read";
  return {
    token: await npmToken("--sub", sub, "--scope", scope),
    expired: await npmToken("--sub", sub, "--scope", scope, "--ttl=-120"),
  };
}

const ALL_CHECKS = [
  "anonymous-access",
  "cors",
  "error-leaks",
  "hsts",
  "internal-timings",
  "malformed-body",
  "model-files",
  "oip-metadata",
  "oversize-body",
  "rate-limit-burst",
  "rate-limit-headers",
  "security-headers",
  "tls",
  "token-expiry",
  "token-forgery",
];

describe("npm run doctor against a running endpoint", () => {
  it("finds nothing wrong with npm start as shipped, within its request budget", async () => {
    const { token, expired } = await tokens("doctor-clean");
    const base = `http://127.0.0.1:${ports.clean}`;
    const { code, report, byId, notPassed } = await doctor(base, ["--token", token, "--expired-token", expired]);
    expect(report.results.map((r) => r.id).sort()).toEqual(ALL_CHECKS);
    expect(notPassed("fail")).toEqual([]);
    expect(notPassed("warn")).toEqual([]);
    expect(notPassed("skip")).toEqual(["tls"]);
    expect(code).toBe(0);
    expect(report.models).toEqual(expect.arrayContaining(["digits", "vad"]));
    expect(byId["rate-limit-burst"].detail).toMatch(/^429 within \d+ requests/);
    expect(byId["token-forgery"].detail).toContain("alg none");
    expect(byId["oversize-body"].detail).toMatch(/with Content-Length: 413 .* chunked: 413/);
    expect(report.requests).toBeLessThanOrEqual(DEFAULT_MAX_REQUESTS);
  });

  it("without a token, skips what needs one and says how to check it", async () => {
    const { code, byId, notPassed } = await doctor(`http://127.0.0.1:${ports.clean}`);
    expect(notPassed("skip")).toEqual(["oversize-body", "rate-limit-burst", "tls", "token-expiry", "token-forgery"]);
    expect(byId["token-forgery"].detail).toContain("--token");
    expect(notPassed("fail")).toEqual([]);
    expect(code).toBe(0);
  });

  it("names each weakened setting of npm start, and nothing else", async () => {
    const { token, expired } = await tokens("doctor-weakened");
    const { code, byId, notPassed } = await doctor(`http://127.0.0.1:${ports.weakened}`, [
      "--token",
      token,
      "--expired-token",
      expired,
    ]);
    expect(notPassed("fail")).toEqual(["rate-limit-burst", "token-expiry"]);
    expect(notPassed("warn")).toEqual(["internal-timings"]);
    expect(byId["rate-limit-burst"].detail).toMatch(/150 requests from one caller .* none refused/);
    expect(byId["token-expiry"].detail).toMatch(/an expired token .* was admitted/);
    expect(byId["token-expiry"].fix).toContain("JWT_CLOCK_TOLERANCE");
    expect(byId["internal-timings"].detail).toMatch(/Server-Timing: .*model-decrypt;dur=/);
    expect(code).toBe(1);
  });

  it("finds what a plain OIP server leaves open, the planted weaknesses among them", async () => {
    const { token, expired } = await tokens("doctor-plain");
    const server = plain as NonNullable<typeof plain>;
    const { code, byId, notPassed } = await doctor(server.url, [
      ...["--ca", path.join(scratch, "cert.pem"), "--model", PLAIN_MODEL],
      ...["--token", token, "--expired-token", expired],
    ]);
    // Sound TLS, but a certificate made for a day: renewal is due.
    expect(byId.tls).toMatchObject({
      status: "warn",
      detail: expect.stringMatching(/^TLSv1\.[23], certificate trusted, expires \d{4}-\d\d-\d\d, within a day$/),
    });
    expect(notPassed("fail")).toEqual([
      "anonymous-access",
      "cors",
      "error-leaks",
      "hsts",
      "malformed-body",
      "model-files",
      "oip-metadata",
      "oversize-body",
      "rate-limit-burst",
      "token-expiry",
      "token-forgery",
    ]);
    expect(notPassed("warn")).toEqual(["rate-limit-headers", "security-headers", "tls"]);
    // The three planted: a stack in errors, CORS for any origin, the model repository served.
    expect(byId["error-leaks"].detail).toContain("shows a JavaScript stack");
    expect(byId.cors.detail).toContain("Access-Control-Allow-Origin: *");
    expect(byId["model-files"].detail).toContain(`/models/${PLAIN_MODEL}/1/model.onnx (ONNX weights)`);
    expect(byId["oip-metadata"].detail).toContain(`/v2/models/${PLAIN_MODEL}`);
    expect(byId["token-forgery"].detail).toContain("needs no token at all");
    expect(code).toBe(1);
  });

  it("says so when the server does not answer, and when the certificate is not trusted", async () => {
    const closed = await doctor(`http://127.0.0.1:${await freePort()}`);
    expect(closed.byId.reachable).toMatchObject({ status: "fail", detail: expect.stringContaining("ECONNREFUSED") });
    expect(closed.code).toBe(1);
    const untrusted = await doctor((plain as NonNullable<typeof plain>).url);
    expect(untrusted.byId.reachable.detail).toMatch(/SELF_SIGNED|self.signed/i);
    expect(untrusted.byId.reachable.fix).toContain("--ca");
  });

  it("stops at its request budget and says which checks it did not reach", async () => {
    const server = plain as NonNullable<typeof plain>;
    const { report, byId } = await doctor(server.url, [
      ...["--ca", path.join(scratch, "cert.pem"), "--model", PLAIN_MODEL, "--max-requests", "40"],
    ]);
    expect(report.requests).toBe(40);
    expect(byId["request-budget"]).toMatchObject({
      status: "warn",
      detail: expect.stringMatching(/budget of 40 requests is spent before checking .*burst$/),
    });
  });
});
