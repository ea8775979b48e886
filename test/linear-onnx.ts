/**
 * A linear classifier as an ONNX file, built in the test with onnx-proto: `scores = x W + b`
 * (one Gemm), optionally through a softmax. Its decision boundaries are hyperplanes, so the
 * smallest perturbation that changes a label is known exactly.
 */
import onnxProto from "onnx-proto";

// A CommonJS package: its namespace is a property of the default export under Node's ESM.
const { onnx } = onnxProto;

export interface Linear {
  /** d x k, row-major: column j holds class j's weights. */
  weights: Float32Array;
  bias: Float32Array;
  inputs: number;
  classes: number;
}

export function linearOnnx({ weights, bias, inputs, classes }: Linear, { softmax = false } = {}): Uint8Array {
  const floats = (name: string, dims: number[], data: Float32Array) =>
    onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: Array.from(data) });
  const tensorType = (name: string, dims: (number | string)[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: {
          elemType: onnx.TensorProto.DataType.FLOAT,
          shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
        },
      },
    });
  const nodes = [
    onnx.NodeProto.create({ opType: "Gemm", input: ["x", "W", "b"], output: [softmax ? "logits" : "scores"] }),
    ...(softmax
      ? [
          onnx.NodeProto.create({
            opType: "Softmax",
            input: ["logits"],
            output: ["scores"],
            attribute: [{ name: "axis", type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
          }),
        ]
      : []),
  ];
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 13 }],
    producerName: "bastion-test",
    graph: {
      name: "linear",
      node: nodes,
      initializer: [floats("W", [inputs, classes], weights), floats("b", [classes], bias)],
      input: [tensorType("x", ["batch", inputs])],
      output: [tensorType("scores", ["batch", classes])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** The exact smallest L2 distance from `x` to the boundary between classes `a` and `b`: |w.x + c| / ||w||. */
export function distanceToBoundary({ weights, bias, inputs, classes }: Linear, x: ArrayLike<number>, a = 0, b = 1) {
  let dot = bias[a] - bias[b];
  let squared = 0;
  for (let i = 0; i < inputs; i++) {
    const w = weights[i * classes + a] - weights[i * classes + b];
    dot += w * x[i];
    squared += w * w;
  }
  return Math.abs(dot) / Math.sqrt(squared);
}
