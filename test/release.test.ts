/**
 * Release policies against the real worker: each function's default on both routes, raw OIP
 * outputs only for infer:raw, RELEASE_POLICIES overrides applied identically on both routes and
 * failing closed when malformed, the policy in the audit log, and vad's sealed state: it carries a
 * stream exactly as the raw floats do (onnxruntime-node as the reference), and opens for no one
 * else, after no change and not once expired.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditEvent } from "../src/audit/types";
import { auditObjects, eventsIn } from "./audit-log";
import { drawText, onPage, pngBase64 } from "./images";
import { manifestOf, maxAbsDifference, ortNode, referenceRun, toneFrame, uniform } from "./reference";
import { postJson, startWorker, type TestWorker, tokenWithScopes } from "./worker";

const workers: TestWorker[] = [];
afterAll(() => Promise.all(workers.map((w) => w.dispose())));
async function worker(vars: Record<string, string> = {}) {
  const started = await startWorker({ vars });
  workers.push(started);
  return started;
}

/** Callers of tier `internal` get every score in full (the reference comparisons need them). */
const INTERNAL_FULL = { tiers: { internal: { "*": { name: "full" } } } };

/** A fresh principal's Authorization header. */
async function as(scope = "infer:*", claims: Record<string, unknown> = {}) {
  return { authorization: `Bearer ${await tokenWithScopes(scope, { sub: `user-${crypto.randomUUID()}`, ...claims })}` };
}

const decimals = (x: number) => {
  expect(String(x)).not.toMatch(/e/);
  return (String(x).split(".")[1] ?? "").length;
};
/** Whether any of `xs` has more than `places` decimals. */
const finer = (xs: number[], places: number) => xs.some((x) => Math.round(x * 10 ** places) / 10 ** places !== x);

type Tensor = { name: string; shape: number[]; data: number[] };
type InferBody = { outputs: Tensor[]; parameters?: Record<string, unknown> };
type Orientation = { label: string; confidence: number; probabilities: Record<string, number> };
type Vad = { speechProbability: number; speech: boolean; state: string };

const lineTensor = Array.from(uniform(3 * 48 * 192, 3));
const orientationTensors = { inputs: [{ name: "x", datatype: "FP32", shape: [1, 3, 48, 192], data: lineTensor }] };
const vadTensors = (audio: number[], state: ArrayLike<number> = new Float32Array(256)) => ({
  inputs: [
    { name: "input", datatype: "FP32", shape: [1, 512], data: audio },
    { name: "state", datatype: "FP32", shape: [2, 1, 128], data: Array.from(state) },
    { name: "sr", datatype: "INT64", shape: [], data: [16000] },
  ],
});
const pageTensor = {
  inputs: [{ name: "x", datatype: "FP32", shape: [1, 3, 64, 96], data: Array.from(uniform(3 * 64 * 96, 9)) }],
};

async function expectError(response: Response, status: number, code: string, message?: RegExp) {
  const body = (await response.json()) as { code: string; error: string };
  expect({ status: response.status, code: body.code }).toEqual({ status, code });
  if (message) expect(body.error).toMatch(message);
  return response;
}

describe("with the functions' defaults", () => {
  let w: TestWorker;
  beforeAll(async () => {
    w = await worker({ RELEASE_POLICIES: JSON.stringify(INTERNAL_FULL) });
  });

  describe("each route releases the default policy, the same on both", () => {
    it("text-orientation: probabilities and confidence to 2 decimals, in JSON and OIP alike", async () => {
      const caller = await as();
      const answer = (await (
        await postJson(w, "/v1/functions/text-orientation", { tensor: lineTensor }, caller)
      ).json()) as Orientation;
      const released = [answer.probabilities["0"], answer.probabilities["180"]];
      for (const p of [...released, answer.confidence]) expect(decimals(p)).toBeLessThanOrEqual(2);
      expect(answer.confidence).toBe(Math.max(...released));

      const oip = (await (
        await postJson(w, "/v2/models/text-orientation/infer", orientationTensors, caller)
      ).json()) as InferBody;
      expect(oip.outputs[0].data).toEqual(released);

      // The exact scores, to an internal caller: within rounding of what the others got.
      const full = (await (
        await postJson(
          w,
          "/v1/functions/text-orientation",
          { tensor: lineTensor },
          await as("infer:*", { tier: "internal" }),
        )
      ).json()) as Orientation;
      const exact = [full.probabilities["0"], full.probabilities["180"]];
      expect(finer(exact, 2)).toBe(true);
      expect(maxAbsDifference(released, exact)).toBeLessThanOrEqual(0.005);
    });

    it("vad: the speech probability to 3 decimals, and `speech` decided on what was released", async () => {
      const caller = await as();
      const audio = toneFrame(2);
      const call = async (threshold: number) =>
        (await (await postJson(w, "/v1/functions/vad", { audio, threshold }, caller)).json()) as Vad;
      const { speechProbability } = await call(0.5);
      expect(decimals(speechProbability)).toBeLessThanOrEqual(3);
      // A threshold inside the rounding step cannot tell more than the three decimals do.
      expect((await call(speechProbability)).speech).toBe(true);
      expect((await call(Math.min(1, speechProbability + 0.0004))).speech).toBe(speechProbability === 1);

      const oip = (await (
        await postJson(w, "/v2/models/vad/infer", { ...vadTensors(audio), outputs: [{ name: "output" }] }, caller)
      ).json()) as InferBody;
      expect(oip.outputs[0].data).toEqual([speechProbability]);
    });

    it("text-detect: box scores to 2 decimals", async () => {
      const page = onPage(drawText("hold the paper"), 320, 160, 20, 60);
      const answer = (await (
        await postJson(w, "/v1/functions/text-detect", { png: pngBase64(page) }, await as())
      ).json()) as {
        boxes: { score: number }[];
      };
      expect(answer.boxes.length).toBeGreaterThan(0);
      for (const { score } of answer.boxes) expect(decimals(score)).toBeLessThanOrEqual(2);
    });

    it("OIP binary tensors carry the released scores as FP32", async () => {
      const caller = await as();
      const header = JSON.stringify({
        ...orientationTensors,
        outputs: [{ name: "softmax_0.tmp_0", parameters: { binary_data: true } }],
      });
      const response = await w.fetch("/v2/models/text-orientation/infer", {
        method: "POST",
        headers: { ...caller, "content-type": "application/json" },
        body: header,
      });
      const length = Number(response.headers.get("inference-header-content-length"));
      const bytes = new Uint8Array(await response.arrayBuffer());
      const scores = new Float32Array(bytes.slice(length).buffer);
      const json = (await (
        await postJson(w, "/v2/models/text-orientation/infer", orientationTensors, caller)
      ).json()) as InferBody;
      expect(Array.from(scores)).toEqual(json.outputs[0].data.map(Math.fround));
    });
  });

  describe("raw outputs on OIP", () => {
    it("are refused by name without infer:raw, with the scope named", async () => {
      const caller = await as();
      const map = await postJson(w, "/v2/models/text-detect/infer", pageTensor, caller);
      await expectError(map, 403, "insufficient_scope", /"infer:raw".*"sigmoid_0\.tmp_0"/);
      expect(map.headers.get("www-authenticate")).toContain('scope="infer:raw"');
      const state = await postJson(
        w,
        "/v2/models/vad/infer",
        { ...vadTensors(toneFrame(0)), outputs: [{ name: "stateN" }] },
        caller,
      );
      await expectError(state, 403, "insufficient_scope", /"stateN"/);
    });

    it("are withheld, and named, from a request that lists no outputs", async () => {
      const response = await postJson(w, "/v2/models/vad/infer", vadTensors(toneFrame(0)), await as());
      expect(response.status).toBe(200);
      const body = (await response.json()) as InferBody;
      expect(body.outputs.map((o) => o.name)).toEqual(["output"]);
      expect(body.parameters).toEqual({ withheld_outputs: ["stateN"] });
    });

    it("are sent whole to infer:raw, the scores still released by the policy", async () => {
      const raw = await as("infer:* infer:raw");
      const map = (await (await postJson(w, "/v2/models/text-detect/infer", pageTensor, raw)).json()) as InferBody;
      expect(map.outputs[0].shape).toEqual([1, 1, 64, 96]);
      expect(finer(map.outputs[0].data, 2)).toBe(true);
      const vad = (await (
        await postJson(w, "/v2/models/vad/infer", vadTensors(toneFrame(0)), raw)
      ).json()) as InferBody;
      expect(vad.outputs.map((o) => [o.name, o.data.length])).toEqual([
        ["output", 1],
        ["stateN", 256],
      ]);
      expect(decimals(vad.outputs[0].data[0])).toBeLessThanOrEqual(3);
      expect(vad.parameters).toBeUndefined();
    });
  });

  describe("sealed state", () => {
    it("carries a stream as the raw state does: the same probabilities as OIP and onnxruntime-node", async () => {
      const manifest = await manifestOf("silero-vad");
      const internal = await as("infer:* infer:raw", { tier: "internal" });
      let sealed: string | undefined;
      let raw: ArrayLike<number> = new Float32Array(256);
      let reference: Float32Array = new Float32Array(256);
      for (let frame = 0; frame < 4; frame++) {
        const audio = toneFrame(frame, 11);
        const response = await postJson(
          w,
          "/v1/functions/vad",
          { audio, ...(sealed ? { state: sealed } : {}) },
          internal,
        );
        expect(response.status).toBe(200);
        const answer = (await response.json()) as Vad;
        expect(answer.state).toMatch(/^[A-Za-z0-9_-]{1400,1500}$/);
        sealed = answer.state;

        const oip = (await (
          await postJson(w, "/v2/models/vad/infer", vadTensors(audio, raw), internal)
        ).json()) as InferBody;
        raw = oip.outputs[1].data;

        const expected = await referenceRun(manifest, {
          input: new ortNode.Tensor("float32", Float32Array.from(audio), [1, 512]),
          state: new ortNode.Tensor("float32", reference, [2, 1, 128]),
          sr: new ortNode.Tensor("int64", BigInt64Array.from([16000n]), []),
        });
        reference = expected.stateN.data as Float32Array;
        const probability = (expected.output.data as Float32Array)[0];
        expect(Math.abs(answer.speechProbability - probability)).toBeLessThanOrEqual(1e-4);
        expect(Math.abs(oip.outputs[0].data[0] - probability)).toBeLessThanOrEqual(1e-4);
        expect(maxAbsDifference(raw, reference)).toBeLessThanOrEqual(1e-4);
      }
    });

    it("is refused altered, from another principal or tenant, or malformed: 400 invalid_state", async () => {
      const claims = { sub: "alice", tenant: "acme" };
      const alice = { authorization: `Bearer ${await tokenWithScopes("infer:vad", claims)}` };
      const first = (await (await postJson(w, "/v1/functions/vad", { audio: toneFrame(0) }, alice)).json()) as Vad;
      const next = (state: unknown, headers = alice) =>
        postJson(w, "/v1/functions/vad", { audio: toneFrame(1), state }, headers);
      expect((await next(first.state)).status).toBe(200);

      const middle = Math.floor(first.state.length / 2);
      const altered = `${first.state.slice(0, middle)}${first.state[middle] === "A" ? "B" : "A"}${first.state.slice(middle + 1)}`;
      await expectError(await next(altered), 400, "invalid_state", /not issued to this caller|altered/);
      for (const other of [{ sub: "bob", tenant: "acme" }, { sub: "alice", tenant: "globex" }, { sub: "alice" }]) {
        const stranger = { authorization: `Bearer ${await tokenWithScopes("infer:vad", other)}` };
        await expectError(await next(first.state, stranger), 400, "invalid_state", /not issued to this caller/);
      }
      await expectError(await next("bm90IGEgc3RhdGU"), 400, "invalid_state", /not a state token/);
      // A client that still sends the 256 floats hears that the field changed.
      await expectError(await next(new Array(256).fill(0)), 400, "invalid_input", /^state: /);
    });
  });

  it("names the policy in the audit event: rounded, full, and the raw outputs released", async () => {
    const ids = { rounded: crypto.randomUUID(), full: crypto.randomUUID(), raw: crypto.randomUUID() };
    await postJson(
      w,
      "/v1/functions/text-orientation",
      { tensor: lineTensor },
      { ...(await as()), "x-request-id": ids.rounded },
    );
    const internal = await as("infer:*", { tier: "internal" });
    await postJson(
      w,
      "/v1/functions/text-orientation",
      { tensor: lineTensor },
      { ...internal, "x-request-id": ids.full },
    );
    await postJson(w, "/v2/models/text-detect/infer", pageTensor, {
      ...(await as("infer:* infer:raw")),
      "x-request-id": ids.raw,
    });
    const events = await auditedRequests(w, Object.values(ids));
    expect(events.get(ids.rounded)?.release).toEqual({ name: "rounded", version: 1, params: { decimals: 2 } });
    expect(events.get(ids.full)?.release).toEqual({ name: "full", version: 1, params: {} });
    expect(events.get(ids.raw)?.release).toEqual({
      name: "rounded",
      version: 1,
      params: { decimals: 2 },
      rawOutputs: ["sigmoid_0.tmp_0"],
    });
  });
});

describe("RELEASE_POLICIES", () => {
  it("overrides per function and tier, identically on both routes", async () => {
    const w = await worker({
      // Also without STATE_KEY: the functions without state serve, vad does not.
      STATE_KEY: "",
      RELEASE_POLICIES: JSON.stringify({
        functions: { "text-orientation": { name: "label-only" } },
        tiers: { trial: { "*": { name: "rounded", decimals: 1 }, "text-detect": { name: "label-only" } } },
      }),
    });
    const caller = await as();
    const answer = (await (
      await postJson(w, "/v1/functions/text-orientation", { tensor: lineTensor }, caller)
    ).json()) as Orientation;
    expect(answer.confidence).toBe(1);
    expect(Object.values(answer.probabilities).sort()).toEqual([0, 1]);
    expect(answer.probabilities[answer.label]).toBe(1);
    const oip = (await (
      await postJson(w, "/v2/models/text-orientation/infer", orientationTensors, caller)
    ).json()) as InferBody;
    expect(oip.outputs[0].data).toEqual([answer.probabilities["0"], answer.probabilities["180"]]);

    const trial = await as("infer:*", { tier: "trial" });
    const rounded = (await (
      await postJson(w, "/v1/functions/text-orientation", { tensor: lineTensor }, trial)
    ).json()) as Orientation;
    for (const p of Object.values(rounded.probabilities)) expect(decimals(p)).toBeLessThanOrEqual(1);
    const page = onPage(drawText("hold the paper"), 320, 160, 20, 60);
    const boxes = (await (await postJson(w, "/v1/functions/text-detect", { png: pngBase64(page) }, trial)).json()) as {
      boxes: { score: number }[];
    };
    expect(boxes.boxes.map((b) => b.score)).toEqual(boxes.boxes.map(() => 1));

    await expectError(
      await postJson(w, "/v1/functions/vad", { audio: toneFrame(0) }, caller),
      503,
      "state_key_not_configured",
      /STATE_KEY/,
    );
    expect((await w.fetch("/v2/health/ready")).status).toBe(503);
  });

  it("closes inference when malformed (503), on both routes, and readiness", async () => {
    const w = await worker({
      RELEASE_POLICIES: JSON.stringify({ functions: { vad: { name: "rounded", decimals: 0 } } }),
    });
    const message = /RELEASE_POLICIES\.functions\.vad\.decimals/;
    await expectError(
      await postJson(w, "/v1/functions/vad", { audio: toneFrame(0) }),
      503,
      "release_policy_not_configured",
      message,
    );
    await expectError(
      await postJson(w, "/v2/models/vad/infer", vadTensors(toneFrame(0))),
      503,
      "release_policy_not_configured",
      message,
    );
    expect((await w.fetch("/v2/health/ready")).status).toBe(503);
  });
});

describe("a sealed state's lifetime", () => {
  it("ends: the same token opens at first, and is refused once STATE_LIFETIME_SECONDS have passed", async () => {
    const w = await worker({ STATE_LIFETIME_SECONDS: "2" });
    const caller = await as("infer:vad");
    const sealedAt = Date.now();
    const { state } = (await (await postJson(w, "/v1/functions/vad", { audio: toneFrame(0) }, caller)).json()) as Vad;
    const next = () => postJson(w, "/v1/functions/vad", { audio: toneFrame(1), state }, caller);
    const first = await next();
    // On a machine too loaded to send two requests within 2 s, the first use may already be late.
    if (Date.now() - sealedAt < 1500) expect(first.status).toBe(200);
    let refused: Response | undefined;
    const deadline = Date.now() + 60_000;
    while (!refused && Date.now() < deadline) {
      const response = await next();
      if (response.status !== 200) refused = response;
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(Date.now() - sealedAt).toBeGreaterThanOrEqual(2000);
    await expectError(refused as Response, 400, "invalid_state", /expired/);
  });
});

/** The audit events of these request ids, once all of them are in the log. */
async function auditedRequests(w: TestWorker, requestIds: string[]): Promise<Map<string, AuditEvent>> {
  const deadline = Date.now() + 150_000;
  for (;;) {
    const events = new Map(eventsIn(await auditObjects(w)).map((event) => [event.requestId, event]));
    if (requestIds.every((id) => events.has(id)) || Date.now() > deadline) return events;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
