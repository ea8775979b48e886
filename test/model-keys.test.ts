/**
 * Models at rest: a missing key, a wrong key, a tampered or swapped artifact each give a 503 with
 * a clear code while the other functions keep serving; key rotation with the real CLI re-wraps
 * data keys without touching the weights; concurrent cold requests share one load.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { parseEnvelope } from "../src/models/envelope";
import { generateKeyJwk } from "../src/models/keyring";
import { manifestOf, servedKeys, toneFrame } from "./reference";
import { keySet, postJson, startWorker, type TestWorker } from "./worker";

const workers: TestWorker[] = [];
async function worker(options: Parameters<typeof startWorker>[0] = {}) {
  const started = await startWorker(options);
  workers.push(started);
  return started;
}
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.dispose()));
});

const vad = (w: TestWorker) => postJson(w, "/v1/functions/vad", { audio: toneFrame(0) });
const orientation = (w: TestWorker) =>
  postJson(w, "/v1/functions/text-orientation", { tensor: new Array(27648).fill(0.2) });

async function expectUnavailable(response: Response, code: string) {
  expect(response.status).toBe(503);
  expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
  const body = (await response.json()) as { code: string; error: string };
  expect(body.code).toBe(code);
  return body;
}

async function rewrite(w: TestWorker, key: string, change: (bytes: Uint8Array) => Uint8Array) {
  const object = await w.models.get(key);
  if (!object) throw new Error(`no ${key}`);
  const bytes = new Uint8Array(await object.arrayBuffer());
  await w.models.put(key, change(bytes));
}

describe("failures are explicit and contained", () => {
  it("a tampered ciphertext fails integrity; the other functions keep serving", async () => {
    const w = await worker();
    await rewrite(w, servedKeys(await manifestOf("silero-vad")).ciphertext, (bytes) => {
      bytes[1_000_000] ^= 0x01;
      return bytes;
    });
    await expectUnavailable(await vad(w), "model_integrity_failed");
    expect((await orientation(w)).status).toBe(200);
    await expectUnavailable(await vad(w), "model_integrity_failed");
  });

  it("a truncated ciphertext, an edited envelope and swapped artifacts all fail integrity", async () => {
    const w = await worker();
    const [cls, det, silero] = await Promise.all(["ppocr-cls", "ppocr-det", "silero-vad"].map((id) => manifestOf(id)));
    await rewrite(w, servedKeys(cls).ciphertext, (bytes) => bytes.subarray(0, bytes.length - 16));
    await expectUnavailable(await orientation(w), "model_integrity_failed");

    const envelope = parseEnvelope(
      await ((await w.models.get(servedKeys(det).envelope)) as { text(): Promise<string> }).text(),
    );
    await w.models.put(servedKeys(det).envelope, JSON.stringify({ ...envelope, chunkBytes: envelope.chunkBytes / 2 }));
    const detect = await postJson(w, "/v1/functions/text-detect", {
      height: 32,
      width: 32,
      tensor: new Array(3072).fill(0),
    });
    await expectUnavailable(detect, "model_integrity_failed");

    // Put cls's artifact where the VAD model belongs: authentic ciphertext, wrong model.
    for (const key of ["envelope", "ciphertext"] as const) {
      const object = await w.models.get(servedKeys(cls)[key]);
      await w.models.put(servedKeys(silero)[key], new Uint8Array((await object?.arrayBuffer()) as ArrayBuffer));
    }
    await expectUnavailable(await vad(w), "model_integrity_failed");
  });

  it("a keyring without the model's kid, or with a wrong key under it, makes the key unavailable", async () => {
    const seeded = keySet(generateKeyJwk("prod-1"));
    const missing = await worker({ modelKeys: keySet(generateKeyJwk("prod-2")), seedWith: seeded });
    const body = await expectUnavailable(await vad(missing), "model_key_unavailable");
    expect(body.error).toContain('"prod-1"');

    const wrongKey = generateKeyJwk("prod-1");
    const wrong = await worker({ modelKeys: keySet(wrongKey), seedWith: seeded });
    const wrongBody = await expectUnavailable(await vad(wrong), "model_key_unavailable");
    expect(JSON.stringify(wrongBody)).not.toContain(wrongKey.k);
    expect(JSON.stringify(wrongBody)).not.toContain(JSON.parse(seeded).keys[0].k);
  });

  it("no keyring at all: models are unavailable and the worker reports itself not ready", async () => {
    const w = await worker({ modelKeys: undefined, seedWith: keySet(generateKeyJwk("k")) });
    await expectUnavailable(await vad(w), "model_key_unavailable");
    const ready = await w.fetch("/v2/health/ready");
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ ready: false });
    expect((await w.fetch("/v2/health/live")).status).toBe(200);
  });

  it("a model missing from storage is unavailable, and its readiness says so", async () => {
    const w = await worker({ seedWith: false });
    await expectUnavailable(await vad(w), "model_unavailable");
    await expectUnavailable(await w.fetch("/v2/models/vad/ready"), "model_unavailable");
  });
});

describe("loading", () => {
  it("loads a model once however many requests arrive together, and reuses its session", async () => {
    const w = await worker({ vars: { SERVER_TIMING: "on" } });
    // Open the connections first, so that the requests below reach the isolate together.
    await Promise.all(Array.from({ length: 6 }, () => w.fetch("/v2/health/live").then((r) => r.text())));
    const responses = await Promise.all(Array.from({ length: 6 }, () => vad(w)));
    expect(responses.map((r) => r.status)).toEqual(new Array(6).fill(200));
    const timings = responses.map((r) => r.headers.get("server-timing") ?? "");
    const loads = timings.filter((t) => t.includes("model-load"));
    expect(loads.length).toBeGreaterThanOrEqual(1);
    for (const timing of loads) {
      expect(timing).toMatch(
        /^model-load;desc="1", model-fetch;dur=[\d.]+, model-decrypt;dur=[\d.]+, session-create;desc="wasm";dur=[\d.]+/,
      );
    }
    expect((await vad(w)).headers.get("server-timing")).toMatch(/^inference;dur=[\d.]+$/);
    // The next model is the isolate's second load: the VAD model was loaded exactly once.
    expect((await orientation(w)).headers.get("server-timing")).toMatch(/model-load;desc="2"/);
  });

  it("runs on WASM in workerd, which has no WebGPU, and says so when WebGPU is demanded", async () => {
    const w = await worker({ vars: { SERVER_TIMING: "on" } });
    expect((await vad(w)).headers.get("server-timing")).toMatch(/session-create;desc="wasm"/);
    const gpu = await worker({ vars: { EXECUTION_PROVIDER: "webgpu" } });
    const body = await expectUnavailable(await vad(gpu), "model_unavailable");
    expect(body.error).toMatch(/no WebGPU/);
  });

  it("sends no Server-Timing unless it is switched on", async () => {
    const w = await worker();
    expect((await vad(w)).headers.get("server-timing")).toBeNull();
  });
});

describe("key rotation with `npm run models`", () => {
  const state = mkdtempSync(path.join(tmpdir(), "bastion-state-"));
  afterAll(() => rmSync(state, { recursive: true, force: true }));
  const cli = (args: string[], modelKeys: string) =>
    promisify(execFile)(process.execPath, ["--import", "tsx", "tools/models.ts", ...args, "--persist-to", state], {
      env: { ...process.env, MODEL_KEYS: modelKeys },
    });

  it("re-wraps every data key under the new key and leaves the weights as they were", async () => {
    const oldKey = generateKeyJwk("2026-01");
    const newKey = generateKeyJwk("2026-07");
    expect((await cli(["build"], keySet(oldKey))).stdout).toMatch(/silero-vad@5 batch-1: encrypted/);
    const before = await worker({ persistTo: state, modelKeys: keySet(oldKey), seedWith: false });
    const weights = async (w: TestWorker) =>
      (await w.models.head(servedKeys(await manifestOf("ppocr-det")).ciphertext))?.etag;
    const etagBefore = await weights(before);
    expect((await vad(before)).status).toBe(200);
    await before.dispose();

    // Rotation: the new key goes first in the keyring (current), the old one stays until re-wrapped.
    const rotated = await cli(["rotate"], keySet(newKey, oldKey));
    expect(rotated.stdout).toMatch(/silero-vad@5 batch-1: re-wrapped 2026-01 -> 2026-07/);
    expect((await cli(["rotate"], keySet(newKey, oldKey))).stdout).toMatch(/silero-vad@5 general: already-current/);
    expect((await cli(["status"], keySet(newKey))).stdout).toMatch(/ppocr-det@4 general: kid 2026-07/);

    const onlyNew = await worker({ persistTo: state, modelKeys: keySet(newKey), seedWith: false });
    expect(await weights(onlyNew)).toBe(etagBefore);
    expect((await vad(onlyNew)).status).toBe(200);
    expect((await orientation(onlyNew)).status).toBe(200);
    await onlyNew.dispose();

    const onlyOld = await worker({ persistTo: state, modelKeys: keySet(oldKey), seedWith: false });
    await expectUnavailable(await vad(onlyOld), "model_key_unavailable");
  });
});
