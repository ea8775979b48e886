/**
 * Hostile inputs for `npm run bench`: the fuzz corpus, and the most expensive refusals a caller
 * can force at each function's body limit (bombs whose header claims the largest image a budget
 * allows, arrays whose last element is the bad one, the deepest JSON, binary tensors hiding a
 * NaN at the end). For each: how long the worker took to answer, and the slowest liveness probe
 * answered while it worked. The budget is 1 s per request.
 */
import { deflateSync } from "node:zlib";
import { inflatedSize } from "../src/images/png";
import { type FuzzRequest, problemWith, readCorpus, send } from "../test/fuzz/requests";
import { ihdr, PNG_SIGNATURE, pngChunk } from "../test/images";
import type { LocalWorker } from "./local-worker";

const MIB = 1 << 20;

function png(header: Buffer, inflated: number): string {
  const data = deflateSync(Buffer.alloc(inflated), { level: 9 });
  return Buffer.concat([PNG_SIGNATURE, header, pngChunk("IDAT", data), pngChunk("IEND")]).toString("base64");
}
const json = (path: string, body: string): FuzzRequest => ({
  method: "POST",
  path,
  headers: { "content-type": "application/json" },
  body,
});
/** `[0, 0, ..., bad]` as JSON text, `count` elements long. */
const numbersEndingIn = (count: number, bad: string) => `[${"0,".repeat(count - 1)}${bad}]`;

export function hostileCases(): { name: string; request: FuzzRequest }[] {
  const page = { width: 2048, height: 2048, depth: 8, colorType: 6, interlaced: false };
  const line = { width: 1024, height: 1024, depth: 8, colorType: 6, interlaced: false };
  const detectMax = 3 * 960 * 960;
  const nanTensor = new Float32Array(detectMax);
  nanTensor[detectMax - 1] = Number.NaN;
  const header = Buffer.from(
    JSON.stringify({
      inputs: [
        {
          name: "x",
          datatype: "FP32",
          shape: [1, 3, 960, 960],
          parameters: { binary_data_size: nanTensor.byteLength },
        },
      ],
    }),
  );
  return [
    ...readCorpus().map((entry) => ({ name: `corpus: ${entry.file}`, request: entry.request })),
    {
      name: "text-detect: bomb claiming 2048x2048 RGBA (16 MiB inflated before refusal)",
      request: json(
        "/v1/functions/text-detect",
        JSON.stringify({ png: png(ihdr(2048, 2048, 8, 6), inflatedSize(page) * 4) }),
      ),
    },
    {
      name: "text-orientation: bomb claiming 1024x1024 RGBA (4 MiB inflated before refusal)",
      request: json(
        "/v1/functions/text-orientation",
        JSON.stringify({ png: png(ihdr(1024, 1024, 8, 6), inflatedSize(line) * 16) }),
      ),
    },
    {
      name: "text-detect: 16 MiB of non-numbers",
      request: json(
        "/v1/functions/text-detect",
        `{"height":960,"width":960,"tensor":[${'"x",'.repeat(Math.floor((16 * MIB - 64) / 4) - 1)}"x"]}`,
      ),
    },
    {
      name: "text-detect: 2,764,800 numbers, the last one bad",
      request: json(
        "/v1/functions/text-detect",
        `{"height":960,"width":960,"tensor":${numbersEndingIn(detectMax, '"x"')}}`,
      ),
    },
    {
      name: "text-detect: JSON nested 8 million deep (16 MiB)",
      request: json("/v1/functions/text-detect", `{"tensor":${"[".repeat(8 * MIB - 8)}${"]".repeat(8 * MIB - 8)}}`),
    },
    {
      name: "text-detect OIP binary: 1x3x960x960 FP32 with a NaN at the end",
      request: {
        method: "POST",
        path: "/v2/models/text-detect/infer",
        headers: {
          "content-type": "application/octet-stream",
          "inference-header-content-length": String(header.length),
        },
        bodyBase64: Buffer.concat([header, Buffer.from(nanTensor.buffer)]).toString("base64"),
      },
    },
    {
      name: "text-orientation: 27,648 numbers, the last one bad",
      request: json("/v1/functions/text-orientation", `{"tensor":${numbersEndingIn(3 * 48 * 192, "1e39")}}`),
    },
    { name: "vad: 64 KiB of nulls", request: json("/v1/functions/vad", `{"audio":[${"null,".repeat(13_000)}null]}`) },
  ];
}

export interface HostileResult {
  name: string;
  status: number;
  answerMs: { median: number; max: number };
  /** The slowest `GET /v2/health/live` answered while the request was in flight. */
  slowestLivenessMs: number;
}

/** Sends each case `rounds` times, probing liveness every 10 ms while it is in flight. */
export async function measureHostile(
  worker: LocalWorker,
  authorization: string,
  rounds: number,
): Promise<HostileResult[]> {
  const results: HostileResult[] = [];
  for (const { name, request } of hostileCases()) {
    const times: number[] = [];
    let status = 0;
    let slowestLivenessMs = 0;
    for (let round = 0; round < rounds; round++) {
      let done = false;
      const probing = (async () => {
        while (!done) {
          const started = performance.now();
          await (await worker.fetch("/v2/health/live")).arrayBuffer();
          slowestLivenessMs = Math.max(slowestLivenessMs, performance.now() - started);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })();
      const answer = await send(worker.fetch, request, authorization);
      done = true;
      await probing;
      const problem = problemWith(answer);
      if (problem) throw new Error(`${name}: ${problem}`);
      status = answer.status;
      times.push(answer.ms);
    }
    times.sort((a, b) => a - b);
    const round2 = (x: number) => Number(x.toFixed(1));
    results.push({
      name,
      status,
      answerMs: { median: round2(times[Math.floor(times.length / 2)]), max: round2(times[times.length - 1]) },
      slowestLivenessMs: round2(slowestLivenessMs),
    });
    process.stdout.write(".");
  }
  return results;
}
