/**
 * The forms of a model that Bastion serves (the manifest's `variants`), made offline from its
 * verified plaintext: optionally specialised (fixed dimensions, and the branches of inputs that
 * accept one value taken), then optimised by onnxruntime-node at level "extended" and written out,
 * so the worker loads the result with graph optimisation off. Level "all" is not used: it writes
 * CPU-only layouts (com.microsoft.nchwc) that onnxruntime-web cannot load. The output is the same
 * bytes for the same input and onnxruntime-node version, so the manifest pins its digest.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import onnxProto from "onnx-proto";
import ort from "onnxruntime-node";
import type { ModelManifest, ModelVariant } from "../src/models/manifest";

const { onnx } = onnxProto;
type Graph = onnxProto.onnx.IGraphProto;
type Node = onnxProto.onnx.INodeProto;

/** The variant's bytes, from the model's plaintext. */
export async function buildVariant(plaintext: Uint8Array, manifest: ModelManifest, variant: ModelVariant) {
  const specialised = variant.dims || variant.inputs ? specialise(plaintext, manifest, variant) : plaintext;
  return optimise(specialised);
}

/** onnxruntime-node's "extended" optimisation of a model, as the bytes it writes. */
export async function optimise(model: Uint8Array): Promise<Uint8Array> {
  const dir = await mkdtemp(path.join(tmpdir(), "bastion-optimise-"));
  try {
    const optimizedModelFilePath = path.join(dir, "model.onnx");
    const session = await ort.InferenceSession.create(model, {
      graphOptimizationLevel: "extended",
      optimizedModelFilePath,
      executionProviders: ["cpu"],
      intraOpNumThreads: 1,
    });
    await session.release();
    return new Uint8Array(await readFile(optimizedModelFilePath));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Fixes the variant's dimensions in the graph's inputs and outputs (as the manifest's signature
 * names them), and replaces each top-level `If` on `Equal(fixed input, constant)` by the branch
 * that value takes. ORT's own constant folding cannot do the latter for Silero VAD: inlining its
 * nested `If`s fails in onnxruntime 1.30. The fixed input stays in the graph's inputs, unused, so
 * every variant takes the same feeds.
 */
export function specialise(plaintext: Uint8Array, manifest: ModelManifest, variant: ModelVariant): Uint8Array {
  const model = onnx.ModelProto.decode(plaintext);
  const graph = model.graph as Graph;
  const nodes = graph.node ?? [];
  const fixed = variant.inputs ?? {};
  const constants = new Map<string, number>();
  for (const node of nodes)
    if (node.opType === "Constant") constants.set(outputsOf(node)[0], scalarOf(node.attribute?.[0]?.t));
  // Each replaced If maps to the nodes of its taken branch, put where the If was (topological order).
  const replaced = new Map<Node, Node[]>();
  const dropped = new Set<Node>();
  for (const node of nodes) {
    if (node.opType !== "If") continue;
    const condition = nodes.find((n) => outputsOf(n).includes(inputsOf(node)[0]));
    if (condition?.opType !== "Equal") continue;
    const [left, right] = inputsOf(condition);
    const input = left in fixed ? left : right;
    const constant = constants.get(input === left ? right : left);
    if (!(input in fixed) || constant === undefined) continue;
    const chosen = fixed[input] === constant ? "then_branch" : "else_branch";
    const branch = node.attribute?.find((a) => a.name === chosen)?.g as Graph;
    const results = (branch.output ?? []).map((output, i) => identity(output.name ?? "", outputsOf(node)[i]));
    replaced.set(node, [...(branch.node ?? []), ...results]);
    graph.initializer = [...(graph.initializer ?? []), ...(branch.initializer ?? [])];
    dropped.add(condition);
  }
  if (replaced.size === 0 && Object.keys(fixed).length > 0)
    throw new Error(`${manifest.id}: no If on ${Object.keys(fixed).join(", ")} to specialise`);
  const rewritten = nodes.flatMap((n) => replaced.get(n) ?? (dropped.has(n) ? [] : [n]));
  graph.node = rewritten.filter((n) => n.opType !== "Constant" || isRead(n, rewritten));
  const sizes = variant.dims ?? {};
  const values = [...(graph.input ?? []), ...(graph.output ?? [])];
  for (const spec of [...manifest.signature.inputs, ...manifest.signature.outputs]) {
    const shape = values.find((v) => v.name === spec.name)?.type?.tensorType?.shape;
    if (!shape) throw new Error(`${manifest.id}: the graph has no ${spec.name} with a shape`);
    shape.dim = spec.shape.map((dim) =>
      typeof dim === "number" ? { dimValue: dim } : dim in sizes ? { dimValue: sizes[dim] } : { dimParam: dim },
    );
  }
  // Shapes recorded for the general graph no longer hold; ORT infers them again.
  graph.valueInfo = [];
  return onnx.ModelProto.encode(model).finish();
}

const inputsOf = (node: Node) => node.input ?? [];
const outputsOf = (node: Node) => node.output ?? [];

/** Whether any node reads the node's output, inside subgraphs too (Silero's nested branches do). */
function isRead(node: Node, graph: Node[]): boolean {
  const reads = (n: Node): boolean =>
    inputsOf(n).includes(outputsOf(node)[0]) || (n.attribute ?? []).some((a) => (a.g?.node ?? []).some(reads));
  return graph.some(reads);
}

function identity(from: string, to: string) {
  return onnx.NodeProto.create({ opType: "Identity", name: `specialised/${to}`, input: [from], output: [to] });
}

function scalarOf(tensor: onnxProto.onnx.ITensorProto | null | undefined): number {
  const value = tensor?.int64Data?.[0] ?? tensor?.int32Data?.[0] ?? tensor?.floatData?.[0];
  return value === undefined ? Number.NaN : Number(value);
}
