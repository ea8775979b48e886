/**
 * The trained perceptron as an ONNX model, written with onnx-proto: `x` (FP32, batch x 784) ->
 * Gemm -> Relu -> Gemm -> Softmax -> `probabilities` (FP32, batch x 10). Opset 13, IR 7, which
 * onnxruntime-web and -node both load. Nothing in the file depends on when or where it was
 * written, so the same weights always give the same bytes.
 */
import onnxProto from "onnx-proto";
import { CLASSES, PIXELS } from "./dataset";
import type { DenseWeights, TrainedMlp } from "./mlp";

const { onnx } = onnxProto;
const IR_VERSION = 7;
const OPSET = 13;
export const INPUT = "x";
export const OUTPUT = "probabilities";

export function exportOnnx(mlp: TrainedMlp, metadata: Record<string, string>): Uint8Array {
  const graph = onnx.GraphProto.create({
    name: "digits",
    input: [tensorInfo(INPUT, PIXELS)],
    output: [tensorInfo(OUTPUT, CLASSES)],
    initializer: [...initializers("hidden", mlp.hidden), ...initializers("output", mlp.output)],
    node: [
      node("Gemm", [INPUT, "hidden.kernel", "hidden.bias"], ["hidden.linear"]),
      node("Relu", ["hidden.linear"], ["hidden.relu"]),
      node("Gemm", ["hidden.relu", "output.kernel", "output.bias"], ["logits"]),
      node("Softmax", ["logits"], [OUTPUT], [{ name: "axis", type: onnx.AttributeProto.AttributeType.INT, i: 1 }]),
    ],
  });
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: "", version: OPSET }],
    producerName: "bastion models/digits",
    graph,
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish();
}

/** FP32 [batch, width], `batch` left symbolic. */
function tensorInfo(name: string, width: number) {
  const dims = [{ dimParam: "batch" }, { dimValue: width }];
  return { name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims } } } };
}

function initializers(prefix: string, { kernel, bias, inputs, outputs }: DenseWeights) {
  return [floatTensor(`${prefix}.kernel`, kernel, [inputs, outputs]), floatTensor(`${prefix}.bias`, bias, [outputs])];
}

/** Raw little-endian float32, as ONNX stores it (every platform Node runs on is little-endian). */
function floatTensor(name: string, values: Float32Array, dims: number[]) {
  const rawData = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData };
}

function node(opType: string, input: string[], output: string[], attribute: object[] = []) {
  return { opType, name: output[0], input, output, attribute };
}
