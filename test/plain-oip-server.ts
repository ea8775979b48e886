/**
 * A minimal Open Inference Protocol server of the kind the doctor is meant to find fault with: a
 * real ONNX model (a linear classifier) run by onnxruntime-node behind the OIP v2 routes, written
 * the quick way. It has no authentication, no rate limit and no body limit, and sends none of the
 * usual security headers. Three weaknesses are planted on purpose, each common in the field:
 *   - errors answer with the exception's stack, as a server left in debug mode does;
 *   - CORS allows any origin (`*`), as a permissive middleware's defaults do;
 *   - the model repository (Triton's layout, `/models/NAME/1/model.onnx`) is served as static files.
 * It serves https with the certificate it is given, so TLS itself is sound and HSTS is missing.
 */
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import * as ort from "onnxruntime-node";
import { linearOnnx } from "./linear-onnx";

export const PLAIN_MODEL = "linear";
const INPUTS = 4;
const CLASSES = 3;

export async function startPlainOipServer({ cert, key }: { cert: string; key: string }) {
  const modelFile = linearOnnx({
    weights: Float32Array.from({ length: INPUTS * CLASSES }, (_, i) => (i % 5) - 2),
    bias: new Float32Array(CLASSES),
    inputs: INPUTS,
    classes: CLASSES,
  });
  const session = await ort.InferenceSession.create(modelFile);
  const metadata = {
    name: PLAIN_MODEL,
    versions: ["1"],
    platform: "onnxruntime_onnx",
    inputs: [{ name: "x", datatype: "FP32", shape: [-1, INPUTS] }],
    outputs: [{ name: "scores", datatype: "FP32", shape: [-1, CLASSES] }],
  };
  const model = `/v2/models/${PLAIN_MODEL}`;

  const server = createServer({ cert, key }, async (request, response) => {
    const send = (status: number, body: unknown, type = "application/json") => {
      response.writeHead(status, { "content-type": type, "access-control-allow-origin": "*" });
      response.end(typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body));
    };
    try {
      const path = request.url ?? "/";
      if (request.method === "OPTIONS") {
        response.writeHead(204, {
          "access-control-allow-origin": "*",
          "access-control-allow-methods": "GET, POST",
          "access-control-allow-headers": "*",
        });
        return response.end();
      }
      if (path === "/v2/health/live" || path === "/v2/health/ready") return send(200, { live: true });
      if (path === "/v2") return send(200, { name: "plain-oip", version: "0.3.1", extensions: [] });
      if (path === model || path === `${model}/versions/1`) return send(200, metadata);
      if (path === `${model}/ready`) return send(200, { ready: true });
      if (path === `/models/${PLAIN_MODEL}/1/model.onnx`) return send(200, modelFile, "application/octet-stream");
      if (path === `${model}/infer` && request.method === "POST") {
        const chunks: Buffer[] = [];
        for await (const chunk of request) chunks.push(chunk as Buffer);
        const { inputs } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        const [input] = inputs;
        const x = new ort.Tensor("float32", Float32Array.from(input.data), input.shape);
        const { scores } = await session.run({ x });
        return send(200, {
          model_name: PLAIN_MODEL,
          outputs: [
            { name: "scores", datatype: "FP32", shape: scores.dims, data: Array.from(scores.data as Float32Array) },
          ],
        });
      }
      return send(404, { error: `no route ${path}` });
    } catch (error) {
      send(500, { error: (error as Error).stack });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())).then(() => session.release()),
  };
}
