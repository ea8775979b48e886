/**
 * text-detect as an attack target: it has no classes, so the label is the number of boxes it
 * finds, and an attack succeeds when that count changes. The boxes come from
 * `POST /v1/functions/text-detect` with the model's own tensor (BGR planes, ImageNet-normalised),
 * exactly what any caller with `infer:text-detect` receives: no `infer:raw`, and the count is
 * computed by the worker's own postprocessing rather than a local copy of it.
 *
 * The scores are the count one-hot (capped at MAX_BOXES): score-based attacks see nothing more
 * than the count, as under `label-only`, so Square and SimBA search blind; HopSkipJump needs no more.
 */
import { MEAN, STD } from "../../../functions/text-detect";
import { createClient, type FunctionMap } from "../../client";
import type { Classifier } from "../attacks/types";

export interface TextDetectTargetOptions {
  baseUrl: string;
  token: string;
  height: number;
  width: number;
  fetch?: typeof fetch;
}

export interface TextDetectTarget extends Classifier {
  requests: number;
}

/** Counts above this share the last class: a page of 63 boxes or more is "many". */
export const MAX_BOXES = 63;

/** Each plane's valid range: the normalised images of pixel values 0 to 1. */
export const PLANE_RANGES = MEAN.map((mean, c) => [(0 - mean) / STD[c], (1 - mean) / STD[c]] as const);

/** The long attack outlives a rate-limit window or two. */
const RETRY = { attempts: 20, maxElapsedMs: 10 * 60_000 };

type Detected = { boxes: unknown[] };

export function textDetectTarget(options: TextDetectTargetOptions): TextDetectTarget {
  const { height, width } = options;
  const client = createClient<FunctionMap>({
    baseUrl: options.baseUrl,
    token: options.token,
    fetch: options.fetch,
    retry: RETRY,
  });
  const plane = height * width;
  const detect = async (x: Float32Array) => {
    // The attack clips to the union of the planes' ranges; each plane to its own, so every query is an image.
    const tensor = Array.from(x, (v, i) => {
      const [low, high] = PLANE_RANGES[Math.floor(i / plane)];
      return Math.min(high, Math.max(low, v));
    });
    const { boxes } = (await client.fn("text-detect", { height, width, tensor })) as Detected;
    target.requests++;
    return Float32Array.from({ length: MAX_BOXES + 1 }, (_, k) => (k === Math.min(boxes.length, MAX_BOXES) ? 1 : 0));
  };
  const target: TextDetectTarget = {
    inputShape: [3, height, width],
    clip: [Math.min(...PLANE_RANGES.map((r) => r[0])), Math.max(...PLANE_RANGES.map((r) => r[1]))],
    layout: { channels: 3, height, width },
    nbClasses: MAX_BOXES + 1,
    requests: 0,
    // One image per request (the model's batch bound is 1); the worker takes them concurrently.
    predict: (batch) => Promise.all(batch.map(detect)),
  };
  return target;
}
