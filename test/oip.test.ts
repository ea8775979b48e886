/**
 * The Open Inference Protocol v2 surface as a KServe or Triton client sees it: metadata, health,
 * infer in JSON and with the binary tensor data extension, and every kind of bad request. The
 * caller holds infer:raw and gets every score in full, so outputs compare with onnxruntime-node;
 * what others are released is test/release.test.ts's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manifestOf, maxAbsDifference, ortNode, referenceRun, toneFrame, uniform } from "./reference";
import { FULL_RELEASE, postJson, requestOnce, startWorker, type TestWorker } from "./worker";

let worker: TestWorker;
beforeAll(async () => {
  worker = await startWorker({ vars: FULL_RELEASE });
});
afterAll(() => worker?.dispose());

const vadInputs = (batch = 1) => [
  {
    name: "input",
    datatype: "FP32",
    shape: [batch, 512],
    data: Array.from({ length: batch }, (_, b) => toneFrame(b)).flat(),
  },
  { name: "state", datatype: "FP32", shape: [2, batch, 128], data: new Array(2 * batch * 128).fill(0) },
  { name: "sr", datatype: "INT64", shape: [], data: [16000] },
];

async function expectError(response: Response, status: number, code: string, message?: RegExp) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/application\/json/);
  const body = (await response.json()) as { error: string; code: string };
  expect(body.code).toBe(code);
  expect(body.error).toEqual(expect.any(String));
  if (message) expect(body.error).toMatch(message);
  expect(JSON.stringify(body)).not.toMatch(/\bat .*:\d+:\d+/); // no stack trace
}

describe("metadata and health", () => {
  it("describes the server, its liveness and readiness", async () => {
    expect(await (await worker.fetch("/v2")).json()).toEqual({
      name: "bastion",
      version: expect.any(String),
      extensions: ["binary_tensor_data"],
    });
    expect(await (await worker.fetch("/v2/health/live")).json()).toEqual({ live: true });
    const ready = await worker.fetch("/v2/health/ready");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true });
  });

  it("describes each model with variable dimensions as -1, at its version path too", async () => {
    for (const path of ["/v2/models/text-detect", "/v2/models/text-detect/versions/4"]) {
      const response = await worker.fetch(path);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        name: "text-detect",
        versions: ["4"],
        platform: "onnx_onnxv1",
        inputs: [{ name: "x", datatype: "FP32", shape: [-1, 3, -1, -1] }],
        outputs: [{ name: "sigmoid_0.tmp_0", datatype: "FP32", shape: [-1, 1, -1, -1] }],
      });
    }
    await expectError(await worker.fetch("/v2/models/text-detect/versions/3"), 404, "model_version_not_found");
    await expectError(await worker.fetch("/v2/models/nope"), 404, "function_not_found");
  });

  it("reports a model ready once it is loaded", async () => {
    const response = await worker.fetch("/v2/models/vad/versions/5/ready");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ name: "vad", ready: true });
  });
});

describe("infer", () => {
  it("answers a batched request, echoes the id and names the model version", async () => {
    const response = await postJson(worker, "/v2/models/vad/versions/5/infer", { id: "req-42", inputs: vadInputs(3) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      model_name: string;
      model_version: string;
      id: string;
      outputs: { name: string; datatype: string; shape: number[]; data: number[] }[];
    };
    expect(body).toMatchObject({ model_name: "vad", model_version: "5", id: "req-42" });
    expect(body.outputs.map((o) => [o.name, o.datatype, o.shape])).toEqual([
      ["output", "FP32", [3, 1]],
      ["stateN", "FP32", [2, 3, 128]],
    ]);
    const reference = await referenceRun(await manifestOf("silero-vad"), {
      input: new ortNode.Tensor("float32", Float32Array.from(vadInputs(3)[0].data as number[]), [3, 512]),
      state: new ortNode.Tensor("float32", new Float32Array(768), [2, 3, 128]),
      sr: new ortNode.Tensor("int64", BigInt64Array.from([16000n]), []),
    });
    expect(maxAbsDifference(body.outputs[0].data, reference.output.data as Float32Array)).toBeLessThanOrEqual(1e-4);
  });

  it("accepts nested data and returns only the outputs asked for", async () => {
    const tensor = Array.from(uniform(3 * 48 * 192, 5));
    const nested = [0, 1, 2].map((c) =>
      Array.from({ length: 48 }, (_, y) => tensor.slice(c * 9216 + y * 192, c * 9216 + (y + 1) * 192)),
    );
    const flat = await postJson(worker, "/v2/models/text-orientation/infer", {
      inputs: [{ name: "x", datatype: "FP32", shape: [1, 3, 48, 192], data: tensor }],
    });
    const deep = await postJson(worker, "/v2/models/text-orientation/infer", {
      inputs: [{ name: "x", datatype: "FP32", shape: [1, 3, 48, 192], data: [nested] }],
      outputs: [{ name: "softmax_0.tmp_0" }],
    });
    expect(deep.status).toBe(200);
    const [a, b] = [
      (await flat.json()) as { outputs: { data: number[] }[] },
      (await deep.json()) as { outputs: { name: string; data: number[] }[] },
    ];
    expect(b.outputs.map((o) => o.name)).toEqual(["softmax_0.tmp_0"]);
    expect(b.outputs[0].data).toEqual(a.outputs[0].data);

    const onlyState = await postJson(worker, "/v2/models/vad/infer", {
      inputs: vadInputs(),
      outputs: [{ name: "stateN" }],
    });
    expect(((await onlyState.json()) as { outputs: { name: string }[] }).outputs.map((o) => o.name)).toEqual([
      "stateN",
    ]);
  });

  it("speaks the binary tensor data extension in both directions, as Triton's client does", async () => {
    const audio = Float32Array.from(toneFrame(0));
    const header = JSON.stringify({
      inputs: [
        { name: "input", datatype: "FP32", shape: [1, 512], parameters: { binary_data_size: audio.byteLength } },
        { name: "state", datatype: "FP32", shape: [2, 1, 128], parameters: { binary_data_size: 1024 } },
        { name: "sr", datatype: "INT64", shape: [], data: [16000] },
      ],
      outputs: [
        { name: "output", parameters: { binary_data: true } },
        { name: "stateN", parameters: { binary_data: false } },
      ],
    });
    const body = Buffer.concat([Buffer.from(header), Buffer.from(audio.buffer), Buffer.alloc(1024)]);
    const response = await worker.fetch("/v2/models/vad/infer", {
      method: "POST",
      headers: {
        "content-type": "application/octet-stream",
        "inference-header-content-length": String(Buffer.byteLength(header)),
      },
      body,
    });
    expect(response.status).toBe(200);
    const length = Number(response.headers.get("inference-header-content-length"));
    const bytes = new Uint8Array(await response.arrayBuffer());
    const json = JSON.parse(new TextDecoder().decode(bytes.subarray(0, length))) as {
      outputs: { name: string; parameters?: { binary_data_size: number }; data?: number[] }[];
    };
    expect(json.outputs[0]).toMatchObject({ name: "output", shape: [1, 1], parameters: { binary_data_size: 4 } });
    expect(json.outputs[0].data).toBeUndefined();
    expect(json.outputs[1].data).toHaveLength(256);
    const probability = new Float32Array(bytes.slice(length, length + 4).buffer)[0];
    const json2 = (await (await postJson(worker, "/v2/models/vad/infer", { inputs: vadInputs() })).json()) as {
      outputs: { data: number[] }[];
    };
    expect(probability).toBeCloseTo(json2.outputs[0].data[0], 6);
  });
});

describe("bad requests get a 4xx with a code and leave the worker serving", () => {
  const x = (shape: number[], data: unknown[], datatype = "FP32") => ({
    inputs: [{ name: "x", datatype, shape, data }],
  });
  const cls = (body: unknown) => postJson(worker, "/v2/models/text-orientation/infer", body);

  it.each([
    ["a wrong datatype", x([1, 3, 48, 192], new Array(27648).fill(0), "FP64"), "datatype_mismatch"],
    ["a wrong rank", x([3, 48, 192], new Array(27648).fill(0)), "shape_mismatch"],
    ["a wrong fixed dimension", x([1, 3, 48, 100], new Array(14400).fill(0)), "shape_mismatch"],
    ["a batch over the limit", x([33, 3, 48, 192], []), "dimension_out_of_range"],
    ["an empty batch", x([0, 3, 48, 192], []), "dimension_out_of_range"],
    ["too few elements", x([1, 3, 48, 192], [1, 2, 3]), "data_length_mismatch"],
    ["a string element", x([1, 3, 48, 192], ["a", ...new Array(27647).fill(0)]), "invalid_element"],
    ["a value that overflows FP32", x([1, 3, 48, 192], [1e39, ...new Array(27647).fill(0)]), "invalid_element"],
    ["nesting that does not match the shape", x([1, 3, 48, 192], [[1, 2], [3]]), "data_length_mismatch"],
    ["an unknown input", { inputs: [{ name: "y", datatype: "FP32", shape: [1], data: [1] }] }, "unknown_input"],
    ["no inputs", { inputs: [] }, "invalid_request"],
    ["an input without data", { inputs: [{ name: "x", datatype: "FP32", shape: [1, 3, 48, 192] }] }, "invalid_request"],
    ["a negative dimension", x([-1, 3, 48, 192], []), "invalid_request"],
    [
      "an unknown output",
      { ...x([1, 3, 48, 192], new Array(27648).fill(0)), outputs: [{ name: "logits" }] },
      "unknown_output",
    ],
    ["a duplicated input", { inputs: [x([1], [1]).inputs[0], x([1], [1]).inputs[0]] }, "duplicate_input"],
  ])("%s", async (_, body, code) => {
    await expectError(await cls(body), 400, code);
  });

  it("names the missing input, and dimensions that disagree between inputs", async () => {
    const [input, state] = vadInputs(2);
    await expectError(
      await postJson(worker, "/v2/models/vad/infer", { inputs: [input, state] }),
      400,
      "missing_input",
      /"sr"/,
    );
    const mismatched = [input, { ...vadInputs(1)[1] }, vadInputs()[2]];
    await expectError(
      await postJson(worker, "/v2/models/vad/infer", { inputs: mismatched }),
      400,
      "shape_mismatch",
      /"batch" is 2 .* 1/,
    );
    await expectError(
      await postJson(worker, "/v2/models/vad/infer", {
        inputs: [input, state, { name: "sr", datatype: "INT64", shape: [], data: [2 ** 60] }],
      }),
      400,
      "invalid_element",
    );
  });

  it("refuses NaN and Infinity sent as binary", async () => {
    const data = new Float32Array(27648);
    data[100] = Number.NaN;
    const header = JSON.stringify({
      inputs: [
        { name: "x", datatype: "FP32", shape: [1, 3, 48, 192], parameters: { binary_data_size: data.byteLength } },
      ],
    });
    const send = (payload: Buffer, length: number) =>
      worker.fetch("/v2/models/text-orientation/infer", {
        method: "POST",
        headers: { "inference-header-content-length": String(length), "content-type": "application/octet-stream" },
        body: payload,
      });
    await expectError(
      await send(Buffer.concat([Buffer.from(header), Buffer.from(data.buffer)]), header.length),
      400,
      "invalid_element",
      /element 100/,
    );
    data[100] = Number.POSITIVE_INFINITY;
    await expectError(
      await send(Buffer.concat([Buffer.from(header), Buffer.from(data.buffer)]), header.length),
      400,
      "invalid_element",
    );
    await expectError(
      await send(Buffer.concat([Buffer.from(header), Buffer.from(data.buffer.slice(8))]), header.length),
      400,
      "data_length_mismatch",
    );
    await expectError(await send(Buffer.from(header), header.length + 10), 400, "invalid_binary_header");
    await expectError(
      await send(Buffer.concat([Buffer.from(header), Buffer.from(data.buffer), Buffer.alloc(4)]), header.length),
      400,
      "data_length_mismatch",
    );
  });

  it("refuses bodies that are not JSON, of the wrong type, or too large", async () => {
    const send = (body: string, contentType?: string) =>
      worker.fetch("/v2/models/vad/infer", {
        method: "POST",
        headers: contentType ? { "content-type": contentType } : {},
        body,
      });
    await expectError(await send("{not json", "application/json"), 400, "invalid_json");
    await expectError(await send('{"inputs": [NaN]}', "application/json"), 400, "invalid_json");
    await expectError(await send("inputs=1", "application/x-www-form-urlencoded"), 415, "unsupported_media_type");
    // Refused before it is read, so workerd drops the connection: send it on one of its own.
    const tooLarge = await requestOnce(
      worker,
      "/v2/models/vad/infer",
      { "content-type": "application/json" },
      "x".repeat(70 * 1024),
    );
    await expectError(tooLarge, 413, "payload_too_large");
    await expectError(
      await worker.fetch("/v1/functions/vad", {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: "{}",
      }),
      415,
      "unsupported_media_type",
    );
  });

  it("has no route that serves model bytes", async () => {
    for (const path of [
      "/models/silero-vad/5/batch-1.onnx.enc",
      "/models/silero-vad/5/batch-1.envelope.json",
      "/v2/models/vad/model.onnx",
      "/v2/models/vad/versions/5/model",
      "/MODELS",
    ]) {
      await expectError(await worker.fetch(path), 404, "not_found");
    }
  });

  it("still serves after all of that", async () => {
    const response = await postJson(worker, "/v2/models/vad/infer", { inputs: vadInputs() });
    expect(response.status).toBe(200);
  });
});

describe("every response", () => {
  it("carries a request id (the caller's when it sends a sane one) and API security headers", async () => {
    const mine = await worker.fetch("/v2/health/live", { headers: { "x-request-id": "trace-123" } });
    expect(mine.headers.get("x-request-id")).toBe("trace-123");
    const error = await worker.fetch("/nope");
    expect(error.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(((await error.json()) as { request_id: string }).request_id).toBe(error.headers.get("x-request-id"));
    for (const response of [mine, error]) {
      expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("cache-control")).toBe("no-store");
      expect(response.headers.get("strict-transport-security")).toContain("max-age=");
    }
  });
});
