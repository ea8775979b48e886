/**
 * The reference the worker's outputs are compared with: the same plaintext model in
 * onnxruntime-node (native CPU, single thread), and deterministic test inputs.
 */
import * as ortNode from "onnxruntime-node";
import { mulberry32 } from "../models/digits/random";
import { readManifests, readPlaintext } from "../models/recipe";
import { artifactKeys, type ModelManifest, modelKey, variantFor } from "../src/models/manifest";

const sessions = new Map<string, Promise<ortNode.InferenceSession>>();

/** The manifest of model `id`: of its `version` when it has several. */
export async function manifestOf(id: string, version?: string): Promise<ModelManifest> {
  const found = (await readManifests()).filter((m) => m.id === id && (version ?? m.version) === m.version);
  if (found.length > 1) throw new Error(`${id} has versions ${found.map((m) => m.version).join(", ")}: name one`);
  if (found.length === 0) throw new Error(`no manifest ${id}${version ? ` version ${version}` : ""}`);
  return found[0];
}

/** Where the variant that serves a batch of one (every JSON request) is stored. */
export function servedKeys(manifest: ModelManifest) {
  return artifactKeys(manifest, variantFor(manifest, { batch: 1 }));
}

export async function referenceRun(
  manifest: ModelManifest,
  feeds: Record<string, ortNode.Tensor>,
): Promise<Record<string, ortNode.Tensor>> {
  let session = sessions.get(modelKey(manifest));
  if (!session) {
    session = readPlaintext(manifest).then((bytes) =>
      ortNode.InferenceSession.create(bytes, {
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        executionMode: "sequential",
      }),
    );
    sessions.set(modelKey(manifest), session);
  }
  return (await session).run(feeds);
}

export { ortNode };

/** Deterministic pseudo-random numbers in [0, 1): the digits recipe's mulberry32. */
export const random = mulberry32;

export function uniform(length: number, seed: number, low = -1, high = 1): Float32Array {
  const next = random(seed);
  return Float32Array.from({ length }, () => low + (high - low) * next());
}

/** A 16 kHz frame: a voiced-like tone with harmonics and a little noise. */
export function toneFrame(frame: number, seed = 7): number[] {
  const next = random(seed + frame);
  return Array.from({ length: 512 }, (_, i) => {
    const t = (frame * 512 + i) / 16000;
    const voice =
      0.3 * Math.sin(2 * Math.PI * 180 * t) +
      0.15 * Math.sin(2 * Math.PI * 360 * t) +
      0.08 * Math.sin(2 * Math.PI * 540 * t);
    return Math.fround(voice + 0.01 * (next() - 0.5));
  });
}

export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}
