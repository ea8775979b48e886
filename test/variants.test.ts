/**
 * The forms of each model that Bastion serves (the manifests' `variants`, models/optimise.ts):
 * made again here from the verified plaintext, they match the digests the manifests pin, and they
 * answer as the original model does, within 1e-5, on the signature's shapes (onnxruntime-node,
 * the variant loaded with optimisation off as the worker loads it). Then the worker: a batch of
 * one is served by the batch-1 variant, a larger batch by the general one, and the audit event
 * names which.
 */
import onnxProto from "onnx-proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { functions } from "../functions";
import { checkedVariant, readManifests, readPlaintext } from "../models/recipe";
import { type ModelManifest, type ModelVariant, parseManifest } from "../src/models/manifest";
import { drained } from "./audit-log";
import { manifestOf, ortNode, referenceRun, toneFrame, uniform } from "./reference";
import { FULL_RELEASE, postJson, startWorker, type TestWorker, tokenWithScopes } from "./worker";

const TOLERANCE = 1e-5;

/** Inputs the variant accepts: its fixed sizes, else 3 (within the bounds, a multiple as asked). */
function inputsFor(manifest: ModelManifest, variant: ModelVariant, seed: number) {
  const { dims } = manifest.signature;
  const size = (dim: string | number) => {
    if (typeof dim === "number") return dim;
    const fixed = variant.dims?.[dim];
    const { min, max, multipleOf = 1 } = dims[dim];
    return fixed ?? Math.min(max, Math.max(min, 3 * multipleOf));
  };
  return Object.fromEntries(
    manifest.signature.inputs.map((spec, i) => {
      const shape = spec.shape.map(size);
      const length = shape.reduce((a, b) => a * b, 1);
      const tensor = spec.values
        ? new ortNode.Tensor(
            "int64",
            BigInt64Array.from({ length }, () => BigInt(spec.values?.[0] ?? 0)),
            shape,
          )
        : new ortNode.Tensor("float32", uniform(length, seed + i), shape);
      return [spec.name, tensor];
    }),
  );
}

function maxDifference(a: Record<string, ortNode.Tensor>, b: Record<string, ortNode.Tensor>, names: string[]) {
  let max = 0;
  for (const name of names) {
    const [x, y] = [a[name].data as Float32Array, b[name].data as Float32Array];
    expect(y.length).toBe(x.length);
    for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]));
  }
  return max;
}

/** Nodes in a model's graph and all its subgraphs (Silero's `If` branches). */
function nodeCount(model: Uint8Array): number {
  const count = (graph: onnxProto.onnx.IGraphProto): number =>
    (graph.node ?? []).reduce(
      (sum, node) => sum + 1 + (node.attribute ?? []).reduce((s, a) => s + (a.g ? count(a.g) : 0), 0),
      0,
    );
  return count(onnxProto.onnx.ModelProto.decode(model).graph ?? {});
}

async function variantSession(manifest: ModelManifest, variant: ModelVariant) {
  const bytes = await checkedVariant(await readPlaintext(manifest), manifest, variant);
  return ortNode.InferenceSession.create(bytes, { graphOptimizationLevel: "disabled", intraOpNumThreads: 1 });
}

describe("every served variant", async () => {
  const cases = (await readManifests()).flatMap((manifest) =>
    manifest.variants.map((variant) => ({
      name: `${manifest.id}@${manifest.version} ${variant.name}`,
      manifest,
      variant,
    })),
  );

  it.each(cases)("$name: pinned digest, and the original's outputs within 1e-5", async ({ manifest, variant }) => {
    const session = await variantSession(manifest, variant);
    const outputs = manifest.signature.outputs.map((o) => o.name);
    for (const seed of [1, 2]) {
      const feeds = inputsFor(manifest, variant, seed * 100);
      const difference = maxDifference(await referenceRun(manifest, feeds), await session.run(feeds), outputs);
      expect(difference).toBeLessThanOrEqual(TOLERANCE);
    }
    await session.release();
  });

  it("silero-vad batch-1: a stream of frames with its state carried, as the original, and 31 nodes not 689", async () => {
    const manifest = await manifestOf("silero-vad");
    const variant = manifest.variants[0];
    expect(variant.name).toBe("batch-1");
    const session = await variantSession(manifest, variant);
    const served = await checkedVariant(await readPlaintext(manifest), manifest, variant);
    expect([nodeCount(await readPlaintext(manifest)), nodeCount(served)]).toEqual([689, 31]);
    const sr = new ortNode.Tensor("int64", BigInt64Array.from([16000n]), []);
    let state: Float32Array = new Float32Array(256);
    let ownState: Float32Array = new Float32Array(256);
    for (let frame = 0; frame < 20; frame++) {
      const input = new ortNode.Tensor("float32", Float32Array.from(toneFrame(frame)), [1, 512]);
      const reference = await referenceRun(manifest, {
        input,
        state: new ortNode.Tensor("float32", state, [2, 1, 128]),
        sr,
      });
      const own = await session.run({ input, state: new ortNode.Tensor("float32", ownState, [2, 1, 128]), sr });
      expect(maxDifference(reference, own, ["output", "stateN"])).toBeLessThanOrEqual(TOLERANCE);
      [state, ownState] = [reference.stateN.data as Float32Array, own.stateN.data as Float32Array];
    }
    await session.release();
  });
});

describe("a variant that is not what its manifest says is refused", () => {
  it("a pinned digest the optimiser does not produce fails the build, naming both digests", async () => {
    const manifest = await manifestOf("ppocr-cls");
    const variant = { ...manifest.variants[0], sha256: "0".repeat(64) };
    await expect(checkedVariant(await readPlaintext(manifest), manifest, variant)).rejects.toThrow(
      new RegExp(`came out with SHA-256 ${manifest.variants[0].sha256} .*the manifest pins 0{64}`),
    );
  });

  it("manifests whose variants cannot serve every request, or fix an input the signature leaves open", async () => {
    const manifest = await manifestOf("silero-vad");
    const [batch1, general] = manifest.variants;
    expect(() => parseManifest({ ...manifest, variants: [batch1] })).toThrow(/the last variant must serve any dims/);
    expect(() => parseManifest({ ...manifest, variants: [{ ...batch1, inputs: { sr: 8000 } }, general] })).toThrow(
      /input sr does not accept only 8000/,
    );
    expect(() => parseManifest({ ...manifest, variants: [{ ...batch1, dims: { frames: 1 } }, general] })).toThrow(
      /no dimension frames/,
    );
  });
});

describe("the worker serves each request shape from its variant", () => {
  let worker: TestWorker;
  beforeAll(async () => {
    worker = await startWorker({ vars: FULL_RELEASE });
  });
  afterAll(() => worker?.dispose());

  it("vad: a frame from batch-1, a batch of 3 from general, equal answers, each named in the audit log", async () => {
    const authorization = `Bearer ${await tokenWithScopes("infer:vad infer:raw", { sub: "variants" })}`;
    const frames = [0, 1, 2].map((f) => toneFrame(f));
    const single = await Promise.all(
      frames.map(async (audio) => {
        const response = await postJson(
          worker,
          "/v2/models/vad/infer",
          {
            inputs: [
              { name: "input", datatype: "FP32", shape: [1, 512], data: audio },
              { name: "state", datatype: "FP32", shape: [2, 1, 128], data: new Array(256).fill(0) },
              { name: "sr", datatype: "INT64", shape: [], data: [16000] },
            ],
            outputs: [{ name: "output" }],
          },
          { authorization },
        );
        expect(response.status).toBe(200);
        return ((await response.json()) as { outputs: { data: number[] }[] }).outputs[0].data[0];
      }),
    );
    const batch = await postJson(
      worker,
      "/v2/models/vad/infer",
      {
        inputs: [
          { name: "input", datatype: "FP32", shape: [3, 512], data: frames.flat() },
          { name: "state", datatype: "FP32", shape: [2, 3, 128], data: new Array(768).fill(0) },
          { name: "sr", datatype: "INT64", shape: [], data: [16000] },
        ],
        outputs: [{ name: "output" }],
      },
      { authorization },
    );
    expect(batch.status).toBe(200);
    const batched = ((await batch.json()) as { outputs: { data: number[] }[] }).outputs[0].data;
    for (let i = 0; i < 3; i++) expect(Math.abs(batched[i] - single[i])).toBeLessThanOrEqual(TOLERANCE);

    const { logged } = await drained(worker, 4);
    const variants = logged.filter((e) => e.function === "vad").map((e) => e.model?.variant);
    expect(variants.sort()).toEqual(["batch-1", "batch-1", "batch-1", "general"]);
  });

  it("vad: 60 frames and batches at once, over both variants, each answer as when sent alone", async () => {
    const authorization = `Bearer ${await tokenWithScopes("infer:vad infer:raw", { sub: "variants-at-once" })}`;
    const infer = async (frames: number[][]) => {
      const response = await postJson(
        worker,
        "/v2/models/vad/infer",
        {
          inputs: [
            { name: "input", datatype: "FP32", shape: [frames.length, 512], data: frames.flat() },
            {
              name: "state",
              datatype: "FP32",
              shape: [2, frames.length, 128],
              data: new Array(256 * frames.length).fill(0),
            },
            { name: "sr", datatype: "INT64", shape: [], data: [16000] },
          ],
          outputs: [{ name: "output" }],
        },
        { authorization },
      );
      expect(response.status).toBe(200);
      return ((await response.json()) as { outputs: { data: number[] }[] }).outputs[0].data;
    };
    const frames = Array.from({ length: 6 }, (_, f) => toneFrame(f, 11));
    const alone = await Promise.all(frames.map(async (frame) => (await infer([frame]))[0]));
    const mixed = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 ? infer(frames.slice(0, 3)) : infer([frames[i % 6]]))),
    );
    mixed.forEach((answer, i) => {
      const expected = i % 2 ? alone.slice(0, 3) : [alone[i % 6]];
      for (const [k, p] of answer.entries()) expect(Math.abs(p - expected[k])).toBeLessThanOrEqual(TOLERANCE);
    });
  });
});

describe("a readiness probe loads and runs every variant", () => {
  let worker: TestWorker;
  beforeAll(async () => {
    worker = await startWorker({ vars: { ...FULL_RELEASE, SERVER_TIMING: "on" } });
  });
  afterAll(() => worker?.dispose());
  const warmedBy = (response: Response) =>
    [...(response.headers.get("server-timing") ?? "").matchAll(/warm-up;desc="([^"]+)"/g)].map((m) => m[1]).sort();

  it("of every function, once per load: the first probe runs each on zeros at its smallest shape, the next none", async () => {
    for (const fn of functions) {
      const first = await worker.fetch(`/v2/models/${fn.name}/ready`);
      expect(first.status, fn.name).toBe(200);
      expect(await first.json()).toEqual({ name: fn.name, ready: true });
      expect(warmedBy(first), fn.name).toEqual(fn.model.variants.map((v) => v.name).sort());
      const again = await worker.fetch(`/v2/models/${fn.name}/ready`);
      expect(again.status, fn.name).toBe(200);
      expect(warmedBy(again), fn.name).toEqual([]);
    }
  });

  it("after it, vad's frames and batches load nothing", async () => {
    await worker.fetch("/v2/models/vad/ready");
    for (const frames of [1, 3]) {
      const response = await postJson(worker, "/v2/models/vad/infer", {
        inputs: [
          { name: "input", datatype: "FP32", shape: [frames, 512], data: new Array(512 * frames).fill(0.01) },
          { name: "state", datatype: "FP32", shape: [2, frames, 128], data: new Array(256 * frames).fill(0) },
          { name: "sr", datatype: "INT64", shape: [], data: [16000] },
        ],
      });
      expect(response.status).toBe(200);
      const timing = response.headers.get("server-timing") ?? "";
      expect(timing).toContain("inference;dur=");
      expect(timing).not.toContain("model-load");
    }
  });
});
