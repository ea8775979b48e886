/**
 * A function served by Bastion as an attack target, through the project's own client: OIP
 * `POST /v2/models/{name}/infer` with the binary tensor extension, every query of the examples
 * in flight merged into batches. The token should be a `redteam` one (its own tier, its own
 * limits, and the audit log records the tier with every event); 429 and 503 answers are waited
 * out as the server asks.
 */
import { createClient, type FunctionMap } from "../../client";
import type { Classifier } from "../attacks/types";
import { batchingClassifier } from "./batching";
import { servedModel } from "./served";

export interface HttpTargetOptions {
  baseUrl: string;
  token: string;
  functionName: string;
  clip?: readonly [number, number];
  /** Inputs per request at most; the function's batch bound by default. */
  maxBatch?: number;
  fetch?: typeof fetch;
}

export interface HttpTarget extends Classifier {
  /** The tier the server sees in the token (`GET /v1/principal`), for the report. */
  tier: string | undefined;
  requests: number;
}

/** A long attack outlives a rate-limit window or two: wait them out rather than fail. */
const RETRY = { attempts: 20, maxElapsedMs: 10 * 60_000 };

export async function httpTarget(options: HttpTargetOptions): Promise<HttpTarget> {
  // Any deployment's function, by name: the attack needs no types from its schemas.
  const client = createClient<FunctionMap>({
    baseUrl: options.baseUrl,
    token: options.token,
    fetch: options.fetch,
    retry: RETRY,
  });
  const served = servedModel(await client.model(options.functionName), options.maxBatch);
  const clip = options.clip ?? served.clip;
  if (!clip) throw new Error(`give --clip MIN,MAX: the valid input range of ${options.functionName} is not known here`);
  const target: HttpTarget = {
    inputShape: served.inputShape,
    clip,
    layout: served.layout,
    nbClasses: 0,
    tier: await principalTier(options),
    requests: 0,
    async predict(batch) {
      target.requests++;
      const response = await client.infer(options.functionName, served.request(batch), { binary: true });
      return served.scores(response, batch.length);
    },
  };
  const size = served.inputShape.reduce((a, b) => a * b, 1);
  const [probe] = await target.predict([new Float32Array(size).fill(clip[0])]);
  Object.assign(target, { nbClasses: probe.length, requests: 0 });
  return {
    ...batchingClassifier(target, served.maxBatch),
    tier: target.tier,
    get requests() {
      return target.requests;
    },
  };
}

/** The tier the server reads in the token, for the report and the CLI's warning. */
export async function principalTier({ baseUrl, token, fetch: fetchImpl = fetch }: HttpTargetOptions) {
  const url = `${baseUrl.replace(/\/+$/, "")}/v1/principal`;
  const response = await fetchImpl(url, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) return undefined;
  return ((await response.json()) as { tier?: string }).tier;
}
