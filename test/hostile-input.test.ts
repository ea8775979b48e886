/**
 * Hostile input against the real worker: each finding of the hardening review, as a caller would
 * send it. Every one gets a clean 4xx with {"error", "code"} (or, for a caller who hangs up, an
 * audit record saying so), and the worker keeps serving meanwhile.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inflatedSize } from "../src/images/png";
import { drained } from "./audit-log";
import { drawText, ihdr, pngBase64, pngBomb } from "./images";
import { postJson, startWorker, type TestWorker, tokenWithScopes } from "./worker";

let worker: TestWorker;
beforeAll(async () => {
  // These tests call each function many times over: limits are not what they are about.
  const unlimited = { algorithm: "sliding-window", limit: 100_000 };
  const functions = { vad: unlimited, "text-orientation": unlimited, "text-detect": unlimited };
  worker = await startWorker({ vars: { RATE_LIMITS: JSON.stringify({ ip: unlimited, functions }) } });
});
afterAll(() => worker?.dispose());

async function expectError(response: Response, status: number, code: string) {
  const body = (await response.json()) as { error: string; code: string };
  expect({ status: response.status, code: body.code }).toEqual({ status, code });
  expect(body.error).toEqual(expect.any(String));
  return body;
}

describe("PNG decompression bombs and oversized images", () => {
  it("a 1x1 PNG whose data inflates to 256 MB is refused, and health answers meanwhile", async () => {
    const png = pngBomb(256 << 20).toString("base64");
    const [refused, live] = await Promise.all([
      postJson(worker, "/v1/functions/text-orientation", { png }),
      worker.anonymous("/v2/health/live"),
    ]);
    const body = await expectError(refused, 400, "invalid_image");
    expect(body.error).toBe("png: PNG image data inflates beyond the size its header declares");
    expect(live.status).toBe(200);
  });

  it("a real 4096x4096 16-bit RGBA PNG (134 MB decoded) is beyond every function's byte budget", async () => {
    const header = { width: 4096, height: 4096, depth: 16, colorType: 6, interlaced: false };
    const png = pngBomb(inflatedSize(header), ihdr(4096, 4096, 16, 6)).toString("base64");
    expect(png.length).toBeLessThan(300_000);
    for (const fn of ["text-orientation", "text-detect"]) {
      const body = await expectError(await postJson(worker, `/v1/functions/${fn}`, { png }), 400, "image_too_large");
      expect(body.error).toMatch(/^png: PNG is 4096x4096/);
    }
  });

  it("a PNG within the pixel budget but not the byte budget is refused, one within both is served", async () => {
    // text-detect: 2048x2048 pixels, 16 MiB decoded. 2048x2048 RGBA 8-bit is exactly 16 MiB.
    const rgba8 = pngBomb(
      inflatedSize({ width: 2048, height: 2048, depth: 8, colorType: 6, interlaced: false }),
      ihdr(2048, 2048, 8, 6),
    );
    const served = await postJson(worker, "/v1/functions/text-detect", { png: rgba8.toString("base64") });
    expect(served.status).toBe(200);
    const rgb16 = pngBomb(
      inflatedSize({ width: 2048, height: 2048, depth: 16, colorType: 2, interlaced: false }),
      ihdr(2048, 2048, 16, 2),
    );
    await expectError(
      await postJson(worker, "/v1/functions/text-detect", { png: rgb16.toString("base64") }),
      400,
      "image_too_large",
    );
  });
});

describe("arrays are bounded before their elements are looked at", () => {
  // Each within its function's body limit (vad takes 64 KiB).
  it.each([
    [
      "text-detect",
      { height: 32, width: 32, tensor: new Array(150_000).fill("x") },
      "tensor.0: expected a finite number",
    ],
    ["text-orientation", { tensor: new Array(150_000).fill("x") }, "tensor: expected 27648 numbers, got 150000"],
    ["vad", { audio: new Array(12_000).fill("x") }, "audio: expected 512 numbers, got 12000"],
  ])("%s: an array of non-numbers is a 400 naming one problem", async (fn, body, message) => {
    const refused = await expectError(await postJson(worker, `/v1/functions/${fn}`, body), 400, "invalid_input");
    expect(refused.error).toBe(message);
  });

  it("the first bad element is named, not every one", async () => {
    const tensor = new Array(3 * 48 * 192).fill(0);
    tensor[7] = "seven";
    tensor[9] = null;
    const refused = await expectError(
      await postJson(worker, "/v1/functions/text-orientation", { tensor }),
      400,
      "invalid_input",
    );
    expect(refused.error).toBe("tensor.7: expected a finite number");
  });

  it("OIP inputs, outputs and shapes are bounded too", async () => {
    const input = { name: "x", datatype: "FP32", shape: [1], data: [0] };
    const many = { inputs: new Array(100_000).fill(input) };
    const tooMany = await expectError(
      await postJson(worker, "/v2/models/text-detect/infer", many),
      400,
      "invalid_request",
    );
    expect(tooMany.error).toMatch(/^inputs: /);
    const rank = { inputs: [{ ...input, shape: new Array(100_000).fill("x") }] };
    const tooDeep = await expectError(
      await postJson(worker, "/v2/models/text-detect/infer", rank),
      400,
      "invalid_request",
    );
    expect(tooDeep.error).toMatch(/^inputs.0.shape: /);
  });

  it("JSON nested 100,000 deep is a 400 before it is parsed", async () => {
    const deep = `{"tensor":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    const response = await worker.fetch("/v1/functions/text-detect", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: deep,
    });
    const body = await expectError(response, 400, "invalid_json");
    expect(body.error).toBe("body nests deeper than 32 levels");
  });
});

describe("base64 is parsed strictly, once", () => {
  const png = pngBase64(drawText("hold"));
  it.each([
    ["leading whitespace", ` ${png}`],
    ["a line break inside", `${png.slice(0, 40)}\n${png.slice(40)}`],
    ["missing padding", png.replace(/=+$/, "")],
    ["the URL-safe alphabet", png.replaceAll("+", "-").replaceAll("/", "_")],
  ])("%s is a 400 invalid_image on both image functions", async (_, text) => {
    expect(text).not.toBe(png);
    for (const fn of ["text-orientation", "text-detect"])
      await expectError(await postJson(worker, `/v1/functions/${fn}`, { png: text }), 400, "invalid_image");
  });

  it("the strict form is served, and text-detect reports the size of the PNG sent", async () => {
    const response = await postJson(worker, "/v1/functions/text-detect", { png });
    expect(response.status).toBe(200);
    const image = drawText("hold");
    expect(await response.json()).toMatchObject({ width: image.width, height: image.height });
  });
});

describe("values the model cannot take are refused before inference", () => {
  const vad = (sr: number) => ({
    inputs: [
      { name: "input", datatype: "FP32", shape: [1, 512], data: new Array(512).fill(0) },
      { name: "state", datatype: "FP32", shape: [2, 1, 128], data: new Array(256).fill(0) },
      { name: "sr", datatype: "INT64", shape: [], data: [sr] },
    ],
  });
  it.each([8000, 44100, 0, -16000])("vad with sr %i is a 400 value_not_allowed", async (sr) => {
    const body = await expectError(await postJson(worker, "/v2/models/vad/infer", vad(sr)), 400, "value_not_allowed");
    expect(body.error).toBe(`element 0 of input "sr" is ${sr}; the model accepts only 16000`);
  });

  it("vad with sr 16000 is served", async () => {
    expect((await postJson(worker, "/v2/models/vad/infer", vad(16000))).status).toBe(200);
  });
});

describe("a caller who hangs up mid-upload", () => {
  it("is recorded as client_closed (499), not as our internal error, and the worker keeps serving", async () => {
    const w = await startWorker();
    try {
      const token = await tokenWithScopes("infer:*");
      await new Promise<void>((resolve, reject) => {
        const socket = connect(Number(w.url.port), w.url.hostname, () => {
          socket.write(
            `POST /v1/functions/vad HTTP/1.1\r\nHost: ${w.url.host}\r\nAuthorization: Bearer ${token}\r\n` +
              "Content-Type: application/json\r\nContent-Length: 60000\r\n\r\n" +
              '{"audio": [0, 0, 0',
          );
          // Hang up once the worker has taken the request (its first bytes are on the wire).
          setImmediate(() => socket.destroy());
          resolve();
        });
        socket.on("error", reject);
      });
      const { logged } = await drained(w, 1);
      expect(logged[0]).toMatchObject({ status: 499, outcome: "client_closed", errorCode: "client_closed" });
      expect((await postJson(w, "/v1/functions/vad", { audio: new Array(512).fill(0) })).status).toBe(200);
    } finally {
      await w.dispose();
    }
  });
});
