/**
 * A release policy applied to a model's score outputs, right after inference: each vector along
 * the last axis (a row of class scores; a scalar or a `[batch, 1]` sigmoid is a vector of one) is
 * replaced by what the policy releases. The released tensors hold float64, so a score rounded to
 * 0.12 stays 0.12 in JSON rather than float32's 0.11999999731779099; OIP's binary form narrows
 * them back to the declared FP32. Raw outputs pass through untouched.
 */
import { ort } from "../inference/runtime";
import { applyPolicy } from "./policies";
import type { ReleasePolicy } from "./types";

export function releaseScoreOutputs(
  policy: ReleasePolicy,
  scoreOutputs: readonly string[],
  outputs: Record<string, ort.Tensor>,
): Record<string, ort.Tensor> {
  const released = { ...outputs };
  for (const name of scoreOutputs) {
    const tensor = outputs[name];
    if (tensor) released[name] = new ort.Tensor("float64", releaseRows(policy, tensor), tensor.dims);
  }
  return released;
}

function releaseRows(policy: ReleasePolicy, tensor: ort.Tensor): Float64Array {
  const data = tensor.data as Float32Array | Float64Array;
  const width = tensor.dims.at(-1) ?? 1;
  const released = new Float64Array(data.length);
  for (let start = 0; start < data.length; start += width) {
    released.set(applyPolicy(policy, Array.from(data.subarray(start, start + width))), start);
  }
  return released;
}
