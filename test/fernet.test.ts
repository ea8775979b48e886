/**
 * Fernet-protected fields against the real worker: sealed input fields open to exactly what the
 * plain request gets, every bad token is one indistinguishable 400, rotated keys still open, a
 * sealed answer decrypts (in Python too) to the JSON answer, nothing is served sealed without
 * keys, and the audit log names the sealed fields and holds no token or plaintext.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decryptFernet, encryptFernet, generateFernetKey, importFernetKeys } from "../src/privacy/fernet";
import { drained } from "./audit-log";
import { python, pythonFernetMissing } from "./python-fernet";
import { toneFrame } from "./reference";
import { postJson, startWorker, type TestWorker } from "./worker";

const current = generateFernetKey();
const old = generateFernetKey();
const FERNET_KEYS = `${current},${old}`;
const RATE_LIMITS = JSON.stringify({ ip: { limit: 100_000 }, default: { limit: 100_000 } });
const VAD = "/v1/functions/vad";
const audio = toneFrame(3);
const DAY_MS = 86_400_000;

/** The field as a pipeline seals it: `Fernet(key).encrypt(json.dumps(value).encode())`. */
async function seal(value: unknown, key = current, now?: Date): Promise<{ fernet: string }> {
  const plaintext = new TextEncoder().encode(JSON.stringify(value));
  return { fernet: await encryptFernet(await importFernetKeys(key), plaintext, { now }) };
}

/** The answer without its sealed state, which is fresh (a new IV) on every answer. */
async function answerOf(response: Response) {
  expect(response.status, await response.clone().text()).toBe(200);
  const { state, ...rest } = (await response.json()) as Record<string, unknown>;
  expect(state).toEqual(expect.any(String));
  return rest;
}

const workers: TestWorker[] = [];
async function start(vars: Record<string, string>) {
  const worker = await startWorker({ vars: { RATE_LIMITS, ...vars } });
  workers.push(worker);
  return worker;
}
afterAll(() => Promise.all(workers.map((w) => w.dispose())));

describe("with FERNET_KEYS", () => {
  let worker: TestWorker;
  let plain: Record<string, unknown>;
  beforeAll(async () => {
    worker = await start({ FERNET_KEYS });
    plain = await answerOf(await postJson(worker, VAD, { audio, threshold: 0.2 }));
  });

  it("opens sealed fields in memory: the answer equals the plain request's", async () => {
    expect(await answerOf(await postJson(worker, VAD, { audio: await seal(audio), threshold: 0.2 }))).toEqual(plain);
    const both = { audio: await seal(audio), threshold: await seal(0.2) };
    expect(await answerOf(await postJson(worker, VAD, both))).toEqual(plain);
  });

  it("opens a field sealed under the old key, second in FERNET_KEYS", async () => {
    expect(await answerOf(await postJson(worker, VAD, { audio: await seal(audio, old), threshold: 0.2 }))).toEqual(
      plain,
    );
  });

  it("validates an opened value as a plain one: same status, code and message", async () => {
    for (const [field, value] of [
      ["audio", [1, 2]],
      ["threshold", 7],
      ["threshold", "high"],
    ] as const) {
      const plainAnswer = await postJson(worker, VAD, { audio, [field]: value });
      const sealedAnswer = await postJson(worker, VAD, { audio, [field]: await seal(value) });
      expect(sealedAnswer.status).toBe(400);
      const { request_id: _, ...sealedBody } = (await sealedAnswer.json()) as Record<string, string>;
      const { request_id: __, ...plainBody } = (await plainAnswer.json()) as Record<string, string>;
      expect(sealedBody).toEqual(plainBody);
      expect(sealedBody.code).toBe("invalid_input");
    }
  });

  it("passes anything that is not exactly {fernet} unchanged, to the schema", async () => {
    const response = await postJson(worker, VAD, { audio: { fernet: (await seal(audio)).fernet, extra: 1 } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "invalid_input" });
  });

  it("answers every bad token with one 400 invalid_fernet_token and one message, and keeps serving", async () => {
    const good = (await seal(audio)).fernet;
    const tampered = `${good.slice(0, 30)}${good[30] === "A" ? "B" : "A"}${good.slice(31)}`;
    const notJson = await encryptFernet(await importFernetKeys(current), new TextEncoder().encode("[1, 2"));
    const notUtf8 = await encryptFernet(await importFernetKeys(current), new Uint8Array([0x5b, 0xff, 0x5d]));
    const bad: Record<string, unknown> = {
      "a stranger's key": await seal(audio, generateFernetKey()),
      "a tampered token": { fernet: tampered },
      "a token past the function's ttl (one day)": await seal(audio, current, new Date(Date.now() - DAY_MS - 120_000)),
      "a token more than 60 s in the future": await seal(audio, current, new Date(Date.now() + 180_000)),
      "plaintext that is not JSON": { fernet: notJson },
      "plaintext that is not UTF-8": { fernet: notUtf8 },
      "a token that is not a string": { fernet: 12 },
      "not base64": { fernet: "%%%%" },
    };
    const messages = new Set<string>();
    for (const [what, field] of Object.entries(bad)) {
      const response = await postJson(worker, VAD, { audio: field, threshold: 0.2 });
      const body = (await response.json()) as { code: string; error: string };
      expect({ what, status: response.status, code: body.code }).toEqual({
        what,
        status: 400,
        code: "invalid_fernet_token",
      });
      messages.add(body.error);
    }
    expect([...messages]).toEqual(["invalid Fernet token"]);
    // Within the clock-skew allowance, a token a little ahead of the worker's clock still opens.
    const ahead = await seal(audio, current, new Date(Date.now() + 20_000));
    expect(await answerOf(await postJson(worker, VAD, { audio: ahead, threshold: 0.2 }))).toEqual(plain);
  });

  it("seals the answer on Bastion-Seal: fernet (application/fernet under the first key); errors stay JSON", async () => {
    const response = await postJson(worker, VAD, { audio, threshold: 0.2 }, { "bastion-seal": "fernet" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/fernet");
    expect(response.headers.get("x-request-id")).toBeTruthy();
    const token = await response.text();
    const opened = await decryptFernet(await importFernetKeys(current), token, { ttl: 60 });
    const { state, ...answer } = JSON.parse(new TextDecoder().decode(opened));
    expect(answer).toEqual(plain);
    expect(state).toEqual(expect.any(String));
    const refused = await postJson(worker, VAD, { audio: [1] }, { "bastion-seal": "fernet" });
    expect(refused.status).toBe(400);
    expect(refused.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await refused.json()).toMatchObject({ code: "invalid_input" });
  });

  it.skipIf(pythonFernetMissing)(
    `Python's cryptography opens a sealed answer and seals fields the worker opens${pythonFernetMissing ? ` (skipped: ${pythonFernetMissing})` : ""}`,
    async () => {
      const pythonSealed = python.encrypt([old], new TextEncoder().encode(JSON.stringify(audio)));
      const response = await postJson(
        worker,
        VAD,
        { audio: { fernet: pythonSealed }, threshold: 0.2 },
        { "bastion-seal": "fernet" },
      );
      expect(response.status).toBe(200);
      const opened = python.decrypt([current], await response.text(), 60);
      const { state: _, ...answer } = JSON.parse(new TextDecoder().decode(opened));
      expect(answer).toEqual(plain);
    },
  );

  it("refuses any other Bastion-Seal with 400 unsupported_seal", async () => {
    for (const seal of ["jwe", "fernet, jwe", ""]) {
      const response = await postJson(worker, VAD, { audio }, { "bastion-seal": seal });
      expect(response.status, seal).toBe(400);
      expect(await response.json()).toMatchObject({ code: "unsupported_seal" });
    }
  });

  it("refuses Bastion-Seal on the OIP route, which seals nothing, instead of answering in the clear", async () => {
    const tensors = {
      inputs: [
        { name: "input", datatype: "FP32", shape: [1, 512], data: audio },
        { name: "state", datatype: "FP32", shape: [2, 1, 128], data: new Array(256).fill(0) },
        { name: "sr", datatype: "INT64", shape: [], data: [16000] },
      ],
    };
    const response = await postJson(worker, "/v2/models/vad/infer", tensors, { "bastion-seal": "fernet" });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "unsupported_seal", error: expect.stringContaining("/v1/") });
    expect((await postJson(worker, "/v2/models/vad/infer", tensors)).status).toBe(200);
  });
});

describe("without usable FERNET_KEYS", () => {
  it("unset: plain requests are served, sealed ones refused 503 fernet_not_configured, readiness unaffected", async () => {
    const worker = await start({});
    expect((await worker.anonymous("/v2/health/ready")).status).toBe(200);
    expect((await postJson(worker, VAD, { audio })).status).toBe(200);
    for (const response of [
      await postJson(worker, VAD, { audio: await seal(audio) }),
      await postJson(worker, VAD, { audio }, { "bastion-seal": "fernet" }),
    ]) {
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ code: "fernet_not_configured" });
    }
  });

  it("malformed: readiness 503, and sealed requests 503 fernet_not_configured without echoing a key", async () => {
    const worker = await start({ FERNET_KEYS: `${current},not-a-key` });
    const ready = await worker.anonymous("/v2/health/ready");
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ ready: false });
    const response = await postJson(worker, VAD, { audio: await seal(audio) });
    expect(response.status).toBe(503);
    const body = (await response.json()) as { code: string; error: string };
    expect(body.code).toBe("fernet_not_configured");
    expect(body.error).toContain("key 2 of 2");
    expect(body.error).not.toContain(current.slice(0, 10));
  });
});

describe("the audit log", () => {
  it("records which fields arrived sealed and whether the answer was, never a token or its plaintext", async () => {
    const worker = await start({ FERNET_KEYS });
    // A value that appears nowhere but in the sealed field's plaintext.
    const threshold = 0.123457;
    const sealedAudio = await seal(audio);
    const sealedThreshold = await seal(threshold);
    const statuses = [
      await postJson(worker, VAD, { audio: sealedAudio, threshold: sealedThreshold }),
      await postJson(worker, VAD, { audio }, { "bastion-seal": "fernet" }),
      await postJson(worker, VAD, { audio: await seal(audio, generateFernetKey()) }),
    ].map((r) => r.status);
    expect(statuses).toEqual([200, 200, 400]);
    const { logged, dead } = await drained(worker, 3);
    expect(dead).toEqual([]);
    const sealed = logged.map((event) => [event.status, event.sealed]);
    expect(sealed).toEqual(
      expect.arrayContaining([
        [200, { fields: ["audio", "threshold"], response: false }],
        [200, { fields: [], response: true }],
        [400, { fields: ["audio"], response: false }],
      ]),
    );
    const text = JSON.stringify(logged);
    for (const secret of [sealedAudio.fernet, sealedThreshold.fernet, String(threshold), String(audio[0])])
      expect(text).not.toContain(secret);
  });
});
