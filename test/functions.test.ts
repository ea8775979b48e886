/**
 * Every function, through HTTP on the real worker in workerd with the encrypted models, against
 * onnxruntime-node on the same plaintext and inputs. The worker releases every score in full
 * here, so outputs compare at 1e-4; release policies are test/release.test.ts's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resizeBilinear, toBgrPlanar } from "../src/images/resize";
import { drawText, onPage, pngBase64, rotate180 } from "./images";
import { manifestOf, maxAbsDifference, ortNode, referenceRun, toneFrame, uniform } from "./reference";
import { FULL_RELEASE, postJson, startWorker, type TestWorker } from "./worker";

const TOLERANCE = 1e-4;
let worker: TestWorker;

beforeAll(async () => {
  worker = await startWorker({ vars: FULL_RELEASE });
});
afterAll(() => worker?.dispose());

describe("vad", () => {
  it("gives Silero's speech probability, carrying the recurrent state sealed across frames", async () => {
    const manifest = await manifestOf("silero-vad");
    let state: Float32Array = new Float32Array(256);
    let sealed: string | undefined;
    for (let frame = 0; frame < 3; frame++) {
      const audio = toneFrame(frame);
      const response = await postJson(worker, "/v1/functions/vad", { audio, state: sealed });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { speechProbability: number; speech: boolean; state: string };
      const reference = await referenceRun(manifest, {
        input: new ortNode.Tensor("float32", Float32Array.from(audio), [1, 512]),
        state: new ortNode.Tensor("float32", state, [2, 1, 128]),
        sr: new ortNode.Tensor("int64", BigInt64Array.from([16000n]), []),
      });
      const probability = (reference.output.data as Float32Array)[0];
      expect(Math.abs(body.speechProbability - probability)).toBeLessThanOrEqual(TOLERANCE);
      expect(body.speech).toBe(body.speechProbability >= 0.5);
      sealed = body.state;
      state = reference.stateN.data as Float32Array;
    }
  });

  it("gives Silero's recurrent state itself through OIP, to infer:raw", async () => {
    const manifest = await manifestOf("silero-vad");
    let state: Float32Array = new Float32Array(256);
    for (let frame = 0; frame < 3; frame++) {
      const audio = toneFrame(frame);
      const response = await postJson(worker, "/v2/models/vad/infer", {
        inputs: [
          { name: "input", datatype: "FP32", shape: [1, 512], data: audio },
          { name: "state", datatype: "FP32", shape: [2, 1, 128], data: Array.from(state) },
          { name: "sr", datatype: "INT64", shape: [], data: [16000] },
        ],
      });
      expect(response.status).toBe(200);
      const { outputs } = (await response.json()) as { outputs: { name: string; data: number[] }[] };
      const reference = await referenceRun(manifest, {
        input: new ortNode.Tensor("float32", Float32Array.from(audio), [1, 512]),
        state: new ortNode.Tensor("float32", state, [2, 1, 128]),
        sr: new ortNode.Tensor("int64", BigInt64Array.from([16000n]), []),
      });
      expect(outputs.map((o) => o.name)).toEqual(["output", "stateN"]);
      expect(maxAbsDifference(outputs[1].data, reference.stateN.data as Float32Array)).toBeLessThanOrEqual(TOLERANCE);
      state = Float32Array.from(outputs[1].data);
    }
  });

  it("refuses audio outside [-1, 1] and frames of the wrong length", async () => {
    const tooLoud = await postJson(worker, "/v1/functions/vad", { audio: new Array(512).fill(2) });
    expect(tooLoud.status).toBe(400);
    expect(await tooLoud.json()).toMatchObject({ code: "invalid_input" });
    const short = await postJson(worker, "/v1/functions/vad", { audio: new Array(500).fill(0) });
    expect(short.status).toBe(400);
    expect(((await short.json()) as { error: string }).error).toMatch(/^audio: /);
  });
});

describe("text-orientation", () => {
  it("matches onnxruntime-node on a raw tensor", async () => {
    const manifest = await manifestOf("ppocr-cls");
    const tensor = uniform(3 * 48 * 192, 11);
    const response = await postJson(worker, "/v1/functions/text-orientation", { tensor: Array.from(tensor) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      label: string;
      confidence: number;
      probabilities: Record<string, number>;
    };
    const reference = (await referenceRun(manifest, { x: new ortNode.Tensor("float32", tensor, [1, 3, 48, 192]) }))[
      "softmax_0.tmp_0"
    ].data as Float32Array;
    expect(maxAbsDifference([body.probabilities["0"], body.probabilities["180"]], reference)).toBeLessThanOrEqual(
      TOLERANCE,
    );
    expect(body.label).toBe(reference[1] > reference[0] ? "180" : "0");
  });

  it.each(["hold the", "paper"])("reads a PNG of %j as upright, and the same PNG turned over as 180", async (text) => {
    const manifest = await manifestOf("ppocr-cls");
    const upright = drawText(text);
    const results: string[] = [];
    for (const image of [upright, rotate180(upright)]) {
      const png = pngBase64(image);
      const response = await postJson(worker, "/v1/functions/text-orientation", { png });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { label: string; probabilities: Record<string, number> };
      // The same preprocessing in Node on the image drawn, run by onnxruntime-node.
      const width = Math.min(192, Math.ceil((48 * image.width) / image.height));
      const tensor = toBgrPlanar(resizeBilinear(image, width, 48), [0.5, 0.5, 0.5], [0.5, 0.5, 0.5], 192);
      const reference = (await referenceRun(manifest, { x: new ortNode.Tensor("float32", tensor, [1, 3, 48, 192]) }))[
        "softmax_0.tmp_0"
      ].data as Float32Array;
      expect(maxAbsDifference([body.probabilities["0"], body.probabilities["180"]], reference)).toBeLessThanOrEqual(
        TOLERANCE,
      );
      results.push(body.label);
    }
    expect(results).toEqual(["0", "180"]);
  });

  it("refuses a PNG that is not one, and one that declares an enormous size", async () => {
    const notPng = await postJson(worker, "/v1/functions/text-orientation", {
      png: btoa("GIF89a not a png at all....."),
    });
    expect(notPng.status).toBe(400);
    expect(await notPng.json()).toMatchObject({ code: "invalid_image" });
    const header = Buffer.from(pngBase64(drawText("hold")), "base64");
    header.writeUInt32BE(100_000, 16);
    header.writeUInt32BE(100_000, 20);
    const bomb = await postJson(worker, "/v1/functions/text-orientation", { png: header.toString("base64") });
    expect(bomb.status).toBe(400);
    expect(await bomb.json()).toMatchObject({ code: "image_too_large" });
  });
});

describe("text-detect", () => {
  it("finds the line of text on a page, where it was drawn", async () => {
    const line = drawText("hold the paper by the edge");
    const page = onPage(line, 640, 320, 100, 150);
    const response = await postJson(worker, "/v1/functions/text-detect", { png: pngBase64(page) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      width: number;
      height: number;
      boxes: { x: number; y: number; width: number; height: number; score: number }[];
    };
    expect(body).toMatchObject({ width: 640, height: 320 });
    expect(body.boxes).toHaveLength(1);
    const [box] = body.boxes;
    // The drawn glyphs span x 106..571 and y 156..183; the box must cover them snugly.
    expect(box.x).toBeGreaterThanOrEqual(95);
    expect(box.x).toBeLessThanOrEqual(108);
    expect(box.x + box.width).toBeGreaterThanOrEqual(569);
    expect(box.x + box.width).toBeLessThanOrEqual(585);
    expect(box.y).toBeGreaterThanOrEqual(145);
    expect(box.y + box.height).toBeLessThanOrEqual(195);
    expect(box.score).toBeGreaterThan(0.6);
  });

  it("matches onnxruntime-node's probability map through the OIP endpoint", async () => {
    const manifest = await manifestOf("ppocr-det");
    const tensor = toBgrPlanar(onPage(drawText("paper"), 96, 64, 8, 12), [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]);
    const response = await postJson(worker, "/v2/models/text-detect/infer", {
      inputs: [{ name: "x", datatype: "FP32", shape: [1, 3, 64, 96], data: Array.from(tensor) }],
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { outputs: { name: string; shape: number[]; data: number[] }[] };
    const reference = (await referenceRun(manifest, { x: new ortNode.Tensor("float32", tensor, [1, 3, 64, 96]) }))[
      "sigmoid_0.tmp_0"
    ];
    expect(body.outputs[0]).toMatchObject({ name: "sigmoid_0.tmp_0", shape: [1, 1, 64, 96] });
    expect(maxAbsDifference(body.outputs[0].data, reference.data as Float32Array)).toBeLessThanOrEqual(TOLERANCE);
  });
});
