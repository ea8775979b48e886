/** The reference: onnxruntime-node on one thread, on the bench cases' inputs. */
import * as ortNode from "onnxruntime-node";
import { functions } from "../../functions";
import { readPlaintext } from "../../models/recipe";
import type { BenchTensor } from "../bench-cases";

export interface NativeModel {
  run(): Promise<unknown>;
  release(): Promise<void>;
}

export async function loadNative(model: string, inputs: BenchTensor[]): Promise<NativeModel> {
  const manifest = functions.find((fn) => fn.model.id === model)?.model;
  if (!manifest) throw new Error(model);
  const session = await ortNode.InferenceSession.create(await readPlaintext(manifest), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: "sequential",
  });
  const feeds = Object.fromEntries(inputs.map((t) => [t.name, new ortNode.Tensor(t.type, t.data, t.dims)]));
  return { run: () => session.run(feeds), release: () => session.release() };
}
