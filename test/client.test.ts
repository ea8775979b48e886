/**
 * The TypeScript client (src/client) against the real worker: typed calls to every function, OIP
 * in JSON and binary, retries on real 429 and 503 answers and none on other refusals, token
 * refresh, timeouts, aborts and network failures, and the VAD stream on real speech.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BastionClientError,
  type ClientOptions,
  createClient,
  type InferRequest,
  type OutputTensor,
  Resampler,
  type SpeechSegment,
  type VadFrame,
} from "../src/client";
import { freePort } from "../tools/free-port";
import { drawText, onPage, pngBase64 } from "./images";
import { jwks, sign } from "./tokens";
import { type Audio, padWithSilence, speak } from "./wav";
import { startWorker, type TestWorker, testIssuerKey, tokenWithScopes } from "./worker";

const workers: TestWorker[] = [];
/** Stops the workers started so far; each group calls it when done, and the file when it ends, failed or not. */
const stopWorkers = async () => {
  await Promise.all(workers.splice(0).map((w) => w.dispose()));
};
afterAll(stopWorkers);
async function worker(vars: Record<string, string>, seedModels = true) {
  const started = await startWorker({ vars, ...(seedModels ? {} : { seedWith: false }) });
  workers.push(started);
  return started;
}

/** A fresh principal's token (rate limits count per principal, so tests do not share budgets). */
const tokenFor = (scope = "infer:* models:read") => tokenWithScopes(scope, { sub: `user-${crypto.randomUUID()}` });

/** The real fetch, counting what the client sends and recording the status of each answer. */
function recordingFetch(onAnswer: (response: Response) => void = () => {}) {
  const record = { requests: 0, statuses: [] as number[], requestIds: [] as (string | null)[] };
  const recording: typeof fetch = async (input, init) => {
    record.requests++;
    const response = await fetch(input, init);
    record.statuses.push(response.status);
    record.requestIds.push(response.headers.get("x-request-id"));
    onAnswer(response);
    return response;
  };
  return { fetch: recording, record };
}

function clientOf(w: TestWorker, token: ClientOptions["token"], options: Partial<ClientOptions> = {}) {
  return createClient({ baseUrl: w.url.href, token, ...options });
}

/** The call's rejection, as the typed error it must be. */
async function failure(call: Promise<unknown>): Promise<BastionClientError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BastionClientError);
  return error as BastionClientError;
}

const silentFrame = () => new Array<number>(512).fill(0);
/** vad's `state`: a sealed token, passed back as it is (src/release/sealed-state.ts). */
const sealedState = expect.stringMatching(/^[A-Za-z0-9_-]{1000,}$/);
const toneFrame = () => Array.from({ length: 512 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 180 * i) / 16_000));

describe("with the deployed functions", () => {
  let w: TestWorker;
  let token: string;
  beforeAll(async () => {
    // The VAD streams below send a few hundred frames.
    w = await worker({ RATE_LIMITS: JSON.stringify({ functions: { vad: { limit: 100_000 } } }) });
    token = await tokenFor();
  });
  afterAll(stopWorkers);

  describe("typed function calls", () => {
    it("vad: a frame in, its speech probability and the state for the next frame out", async () => {
      const client = clientOf(w, token);
      const first = await client.fn("vad", { audio: silentFrame() });
      expect(first.speech).toBe(false);
      expect(first.speechProbability).toBeLessThan(0.5);
      expect(first.state).toEqual(sealedState);
      const second = await client.fn("vad", { audio: toneFrame(), state: first.state, threshold: 0.9 });
      expect(second.speech).toBe(second.speechProbability >= 0.9);
    });

    it("text-orientation and text-detect take PNGs", async () => {
      const client = clientOf(w, token);
      const line = drawText("hold the paper");
      const orientation = await client.fn("text-orientation", { png: pngBase64(line) });
      expect(orientation.label).toBe("0");
      expect(orientation.confidence).toBeGreaterThan(0.5);
      const detected = await client.fn("text-detect", { png: pngBase64(onPage(line, 320, 160, 40, 60)) });
      expect(detected).toMatchObject({ width: 320, height: 160 });
      expect(detected.boxes).toHaveLength(1);
    });

    it("lists the functions, describes and readies their models", async () => {
      const client = clientOf(w, token);
      const names = (await client.functions()).map((fn) => fn.name);
      expect(names.sort()).toEqual(["digits", "text-detect", "text-orientation", "vad"]);
      const vad = await client.model("vad");
      expect(vad.inputs.map((input) => input.name)).toEqual(["input", "state", "sr"]);
      expect(await client.model("vad", { version: vad.versions[0] })).toEqual(vad);
      expect(await client.ready("text-orientation")).toBe(true);
      const unknownVersion = await failure(client.model("vad", { version: "0" }));
      expect(unknownVersion).toMatchObject({ status: 404, code: "model_version_not_found" });
    });
  });

  describe("OIP infer", () => {
    // The raw outputs (vad's state, text-detect's probability map) need infer:raw.
    let rawToken: string;
    beforeAll(async () => {
      rawToken = await tokenFor("infer:* infer:raw models:read");
    });
    const vadRequest = (binary: boolean): InferRequest => ({
      id: "frame-1",
      inputs: [
        {
          name: "input",
          datatype: "FP32",
          shape: [1, 512],
          data: binary ? Float32Array.from(toneFrame()) : toneFrame(),
        },
        { name: "state", datatype: "FP32", shape: [2, 1, 128], data: new Float32Array(256) },
        { name: "sr", datatype: "INT64", shape: [], data: binary ? BigInt64Array.of(16_000n) : [16_000] },
      ],
    });

    it("gives the same typed arrays in JSON and binary, and what the function gives", async () => {
      const client = clientOf(w, rawToken);
      const json = await client.infer("vad", vadRequest(false));
      const binary = await client.infer("vad", vadRequest(true), { binary: true });
      expect(json).toMatchObject({ model_name: "vad", id: "frame-1" });
      // The same tensors (JSON cannot tell -0 from 0, hence the `+ 0`).
      const plain = (outputs: OutputTensor[]) =>
        outputs.map(({ data, ...rest }) => ({
          ...rest,
          data: Array.from(data as ArrayLike<number | bigint>, (x) => Number(x) + 0),
        }));
      expect(plain(binary.outputs)).toEqual(plain(json.outputs));
      const [probability, state] = binary.outputs;
      expect(probability).toMatchObject({ name: "output", datatype: "FP32", shape: [1, 1] });
      expect(probability.data).toBeInstanceOf(Float32Array);
      expect(state).toMatchObject({ name: "stateN", shape: [2, 1, 128] });
      expect(state.data).toHaveLength(256);
      const viaFunction = await client.fn("vad", { audio: toneFrame() });
      expect(probability.data[0]).toBeCloseTo(viaFunction.speechProbability, 6);
    });

    it("sends back only the outputs asked for, and a binary page map of the right size", async () => {
      const client = clientOf(w, rawToken);
      const selected = await client.infer(
        "vad",
        { ...vadRequest(true), outputs: [{ name: "stateN" }] },
        { binary: true },
      );
      expect(selected.outputs.map((o) => o.name)).toEqual(["stateN"]);
      const page = new Float32Array(3 * 64 * 96);
      const detect = await client.infer(
        "text-detect",
        { inputs: [{ name: "x", datatype: "FP32", shape: [1, 3, 64, 96], data: page }] },
        { binary: true },
      );
      const [map] = detect.outputs;
      expect(map.shape).toEqual([1, 1, 64, 96]);
      expect(map.data).toBeInstanceOf(Float32Array);
      expect(map.data).toHaveLength(64 * 96);
    });

    it("reports the server's refusal of a tensor as a typed 400", async () => {
      const client = clientOf(w, rawToken);
      const request = vadRequest(true);
      request.inputs[0] = { ...request.inputs[0], datatype: "FP64", data: new Float64Array(512) };
      const refused = await failure(client.infer("vad", request, { binary: true }));
      expect(refused).toMatchObject({ status: 400, code: "datatype_mismatch" });
    });
  });

  describe("refusals that are not retried", () => {
    const retrying = { retry: { attempts: 5, maxElapsedMs: 60_000 } };

    it.each([
      ["400 invalid_input", "infer:* models:read", "vad", { audio: [1, 2, 3] }, 400, "invalid_input"],
      ["403 insufficient_scope", "models:read", "vad", { audio: silentFrame() }, 403, "insufficient_scope"],
      ["404 function_not_found", "infer:* models:read", "no-such-function", {}, 404, "function_not_found"],
    ])("%s: one request, and the server's code and request id", async (_, scope, name, input, status, code) => {
      const recorder = recordingFetch();
      const client = clientOf(w, await tokenFor(scope), { ...retrying, fetch: recorder.fetch });
      const refused = await failure(client.fn(name as "vad", input as never));
      expect(refused).toMatchObject({ status, code, attempts: 1 });
      expect(recorder.record.statuses).toEqual([status]);
      expect(refused.requestId).toBe(recorder.record.requestIds[0]);
      expect(refused.requestId).toMatch(/.+/);
    });
  });

  describe("tokens", () => {
    const expired = async () => sign(await testIssuerKey(), { claims: { scope: "infer:*" }, expiresIn: -600 });

    it("asks a provider for a fresh token once after 401 invalid_token, and succeeds", async () => {
      const asked: boolean[] = [];
      const stale = await expired();
      const provider = async ({ refresh }: { refresh: boolean }) => {
        asked.push(refresh);
        return asked.length === 1 ? stale : token;
      };
      const recorder = recordingFetch();
      const client = clientOf(w, provider, { fetch: recorder.fetch });
      expect((await client.fn("vad", { audio: silentFrame() })).state).toEqual(sealedState);
      expect(asked).toEqual([false, true]);
      expect(recorder.record.statuses).toEqual([401, 200]);
    });

    it("does not ask again when the fresh token is refused too, nor retry a fixed token", async () => {
      const stale = await expired();
      let asked = 0;
      const recorder = recordingFetch();
      const provider = () => {
        asked++;
        return stale;
      };
      const refused = await failure(
        clientOf(w, provider, { fetch: recorder.fetch }).fn("vad", { audio: silentFrame() }),
      );
      expect(refused).toMatchObject({ status: 401, code: "invalid_token" });
      expect(asked).toBe(2);
      expect(recorder.record.statuses).toEqual([401, 401]);

      const fixed = recordingFetch();
      const once = await failure(clientOf(w, stale, { fetch: fixed.fetch }).fn("vad", { audio: silentFrame() }));
      expect(once).toMatchObject({ status: 401, code: "invalid_token" });
      expect(fixed.record.statuses).toEqual([401]);
    });
  });

  describe("timeouts, aborts and network failures", () => {
    const page = () => ({ png: pngBase64(onPage(drawText("hold the paper"), 960, 960, 40, 60)) });

    it("times out an attempt without a complete answer, and retries it (nothing had arrived)", async () => {
      const single = recordingFetch();
      const once = clientOf(w, token, { timeoutMs: 1, retry: { attempts: 1 }, fetch: single.fetch });
      const timedOut = await failure(once.fn("text-detect", page()));
      expect(timedOut).toMatchObject({ code: "timeout", status: undefined });
      expect(single.record.requests).toBe(1);

      const twice = recordingFetch();
      const retried = clientOf(w, token, { timeoutMs: 1, retry: { attempts: 2 }, fetch: twice.fetch });
      expect(await failure(retried.fn("text-detect", page()))).toMatchObject({ code: "timeout", attempts: 2 });
      expect(twice.record.requests).toBe(2);
    });

    it("stops when the caller aborts, before or during a request", async () => {
      const recorder = recordingFetch();
      const client = clientOf(w, token, { fetch: recorder.fetch });
      const before = await failure(client.fn("vad", { audio: silentFrame() }, { signal: AbortSignal.abort() }));
      expect(before.code).toBe("aborted");
      expect(recorder.record.requests).toBe(0);

      const controller = new AbortController();
      const abortingFetch: typeof fetch = (input, init) => {
        const answer = recorder.fetch(input, init);
        controller.abort(); // the request is on its way
        return answer;
      };
      const during = clientOf(w, token, { fetch: abortingFetch });
      const aborted = await failure(during.fn("text-detect", page(), { signal: controller.signal }));
      expect(aborted.code).toBe("aborted");
      expect(recorder.record.requests).toBe(1);
    });

    it("retries a connection that fails before any answer, then reports network_error", async () => {
      let requests = 0;
      const counting: typeof fetch = (input, init) => {
        requests++;
        return fetch(input, init);
      };
      const nowhere = createClient({
        baseUrl: `http://127.0.0.1:${await freePort()}`,
        token,
        fetch: counting,
        retry: { attempts: 3 },
      });
      expect(await failure(nowhere.fn("vad", { audio: silentFrame() }))).toMatchObject({
        code: "network_error",
        attempts: 3,
      });
      expect(requests).toBe(3);
    });
  });

  describe("the VAD stream on speech", () => {
    const spoken = padWithSilence(speak("hold the paper by the edge"), 1, 2.5);
    /** Uneven chunks, as audio callbacks deliver them. */
    const CHUNKS = [441, 37, 4096, 1000, 128, 2205];

    async function stream(audio: Audio) {
      const vad = clientOf(w, token).vadStream({ sampleRate: audio.sampleRate });
      const frames: VadFrame[] = [];
      const segments: SpeechSegment[] = [];
      /** Where pushes said the open segment began, while it was open. */
      const heardSince = new Set<number>();
      const pushes: Promise<void>[] = [];
      for (let offset = 0, i = 0; offset < audio.samples.length; i++) {
        const size = CHUNKS[i % CHUNKS.length];
        // Not awaited one by one: the stream must keep its frames in order by itself.
        pushes.push(
          vad.push(audio.samples.slice(offset, offset + size)).then((update) => {
            frames.push(...update.frames);
            segments.push(...update.segments);
            if (update.speakingSince !== undefined) heardSince.add(update.speakingSince);
          }),
        );
        offset += size;
      }
      await Promise.all(pushes);
      const last = await vad.end();
      return {
        frames: [...frames, ...last.frames],
        segments: [...segments, ...last.segments],
        speakingSince: last.speakingSince,
        heardSince: [...heardSince],
      };
    }

    it.each([
      ["22,050 Hz (espeak-ng's own rate)", (audio: Audio) => audio],
      ["48 kHz", (audio: Audio) => resampled(audio, 48_000)],
    ])("finds one segment covering the words at %s", async (_, atRate) => {
      const audio = atRate(spoken);
      const { frames, segments, speakingSince, heardSince } = await stream(audio);
      const duration = audio.samples.length / audio.sampleRate;
      expect(frames).toHaveLength(Math.floor((duration * 16_000) / 512));
      expect(frames.map((f) => f.time)).toEqual(frames.map((_, i) => (i * 512) / 16_000));
      expect(segments).toHaveLength(1);
      const words = loudSpan(spoken);
      const [segment] = segments;
      // Silero is sure of speech a few frames into the first word (here: 78 ms into the breathy
      // "h" of "hold"), and of silence a few frames after the last; the segment then runs on
      // for vad-web's redemption time (1.4 s) of silence.
      expect(segment.start).toBeGreaterThan(words.start - 0.04);
      expect(segment.start).toBeLessThan(words.start + 0.1);
      expect(segment.end).toBeGreaterThan(words.end + 1.4);
      expect(segment.end).toBeLessThan(words.end + 1.9);
      expect(speakingSince).toBeUndefined();
      // While it was open, pushes said where it began: a page can show speech as it is heard.
      expect(heardSince).toContain(segment.start);
    });

    it("finds nothing in silence", async () => {
      const silence = { sampleRate: 44_100, samples: new Float32Array(44_100 * 3) };
      const { frames, segments } = await stream(silence);
      expect(frames.length).toBeGreaterThan(90);
      expect(segments).toEqual([]);
      expect(Math.max(...frames.map((f) => f.probability))).toBeLessThan(0.25);
    });
  });
});

describe("retries on 429 (a token bucket of one request, refilled every 5 s)", () => {
  let w: TestWorker;
  // Long enough that a principal's second call always finds the bucket its first call emptied.
  const oneEveryFiveSeconds = { algorithm: "token-bucket", limit: 1, refillRate: 1, window: "5 s" };
  beforeAll(async () => {
    w = await worker({ RATE_LIMITS: JSON.stringify({ functions: { vad: oneEveryFiveSeconds } }) });
    // Loads the model, so the counted calls below follow each other closely.
    await clientOf(w, await tokenFor()).fn("vad", { audio: silentFrame() });
  });
  afterAll(stopWorkers);
  /** A client of a fresh principal whose bucket its first call has emptied. */
  async function afterFirstCall(options: Partial<ClientOptions>) {
    const recorder = recordingFetch();
    const client = clientOf(w, await tokenFor(), { ...options, fetch: options.fetch ?? recorder.fetch });
    await client.fn("vad", { audio: silentFrame() });
    return { client, recorder };
  }

  it("waits as long as Retry-After says, and succeeds", async () => {
    const { client, recorder } = await afterFirstCall({ retry: { attempts: 3, maxElapsedMs: 20_000 } });
    expect((await client.fn("vad", { audio: silentFrame() })).state).toEqual(sealedState);
    expect(recorder.record.statuses).toEqual([200, 429, 200]);
  });

  it("gives up with a typed 429 when no attempt is left", async () => {
    const { client, recorder } = await afterFirstCall({ retry: { attempts: 1 } });
    const refused = await failure(client.fn("vad", { audio: silentFrame() }));
    expect(refused).toMatchObject({ status: 429, code: "rate_limited", attempts: 1 });
    expect(refused.retryAfter).toBeGreaterThanOrEqual(1);
    expect(recorder.record.statuses).toEqual([200, 429]);
  });

  it("gives up at once when the wait would pass the time budget", async () => {
    const { client, recorder } = await afterFirstCall({ retry: { attempts: 5, maxElapsedMs: 500 } });
    expect(await failure(client.fn("vad", { audio: silentFrame() }))).toMatchObject({ status: 429 });
    expect(recorder.record.statuses).toEqual([200, 429]);
  });

  it("stops waiting when the caller aborts", async () => {
    const controller = new AbortController();
    const recorder = recordingFetch((response) => {
      if (response.status === 429) controller.abort();
    });
    const { client } = await afterFirstCall({ fetch: recorder.fetch, retry: { attempts: 3, maxElapsedMs: 20_000 } });
    const aborted = await failure(client.fn("vad", { audio: silentFrame() }, { signal: controller.signal }));
    expect(aborted.code).toBe("aborted");
    expect(recorder.record.statuses).toEqual([200, 429]);
  });
});

describe("retries on 503", () => {
  /** The identity provider's JWKS endpoint on loopback: down (503) until told otherwise. */
  let idp: Server;
  let idpUp = false;
  let w: TestWorker;
  beforeAll(async () => {
    const key = await testIssuerKey();
    idp = createServer((_, response) => {
      if (idpUp) response.writeHead(200, { "content-type": "application/json" }).end(jwks(key));
      else response.writeHead(503).end();
    });
    await new Promise<void>((resolve) => idp.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/jwks.json`;
    w = await worker({ JWT_JWKS_URL: url, JWT_JWKS: "" });
  });
  afterAll(async () => {
    await stopWorkers();
    idp?.closeAllConnections();
    await new Promise((resolve) => idp?.close(resolve));
  });

  it("gives up at once on auth_unavailable when its Retry-After (5 s) would pass the time budget", async () => {
    const recorder = recordingFetch();
    const client = clientOf(w, await tokenFor(), { fetch: recorder.fetch, retry: { maxElapsedMs: 2000 } });
    const refused = await failure(client.fn("vad", { audio: silentFrame() }));
    expect(refused).toMatchObject({ status: 503, code: "auth_unavailable", retryAfter: 5 });
    expect(recorder.record.statuses).toEqual([503]);
  });

  it("waits out an identity provider's outage (auth_unavailable, Retry-After) and succeeds", async () => {
    const recorder = recordingFetch((response) => {
      if (response.status === 503) idpUp = true;
    });
    const client = clientOf(w, await tokenFor(), { fetch: recorder.fetch });
    expect((await client.fn("vad", { audio: silentFrame() })).state).toEqual(sealedState);
    expect(recorder.record.statuses).toEqual([503, 200]);
  });

  it("retries rate_limit_unavailable (Retry-After: 1) as often as allowed, then reports it", async () => {
    const limiter = await worker(
      {
        UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${await freePort()}`,
        UPSTASH_REDIS_REST_TOKEN: "nobody-listens",
        RATE_LIMITS: JSON.stringify({ functions: { vad: { onBackendFailure: "closed", timeoutMs: 5000 } } }),
      },
      false,
    );
    const recorder = recordingFetch();
    const client = clientOf(limiter, await tokenFor(), { fetch: recorder.fetch, retry: { attempts: 2 } });
    const refused = await failure(client.fn("vad", { audio: silentFrame() }));
    expect(refused).toMatchObject({ status: 503, code: "rate_limit_unavailable", retryAfter: 1, attempts: 2 });
    expect(recorder.record.statuses).toEqual([503, 503]);
  });

  it("does not retry a configuration error (503 without Retry-After)", async () => {
    const misconfigured = await worker({ RATE_LIMITS: "{not json" }, false);
    const recorder = recordingFetch();
    const client = clientOf(misconfigured, await tokenFor(), { fetch: recorder.fetch });
    const refused = await failure(client.fn("vad", { audio: silentFrame() }));
    expect(refused).toMatchObject({ status: 503, code: "rate_limit_not_configured", retryAfter: undefined });
    expect(recorder.record.statuses).toEqual([503]);
  });
});

/** `audio` at another sample rate, through the client's own resampler. */
function resampled(audio: Audio, sampleRate: number): Audio {
  const resampler = new Resampler(audio.sampleRate, sampleRate);
  const head = resampler.push(audio.samples);
  const tail = resampler.flush();
  const samples = new Float32Array(head.length + tail.length);
  samples.set(head);
  samples.set(tail, head.length);
  return { sampleRate, samples };
}

/** Where the audio is louder than silence: 10 ms windows above 1% of the loudest one's RMS. */
function loudSpan({ sampleRate, samples }: Audio): { start: number; end: number } {
  const window = Math.round(sampleRate / 100);
  const rms: number[] = [];
  for (let i = 0; i + window <= samples.length; i += window) {
    rms.push(Math.sqrt(samples.subarray(i, i + window).reduce((sum, x) => sum + x * x, 0) / window));
  }
  const threshold = Math.max(...rms) / 100;
  const first = rms.findIndex((r) => r > threshold);
  const last = rms.findLastIndex((r) => r > threshold);
  return { start: first / 100, end: (last + 1) / 100 };
}
