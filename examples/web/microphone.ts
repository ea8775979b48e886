/**
 * The microphone as Float32 PCM: mono chunks at the AudioContext's own sample rate (whatever the
 * device runs at; the client's VAD stream resamples), through the capture worklet.
 */

export interface Microphone {
  sampleRate: number;
  /** Mono chunks until `stop()`. */
  chunks: AsyncIterable<Float32Array>;
  stop(): Promise<void>;
}

export async function openMicrophone(): Promise<Microphone> {
  // Raw audio: echo cancellation and noise suppression would change what the model hears.
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
  });
  const context = new AudioContext();
  try {
    await context.audioWorklet.addModule("/capture-worklet.js");
  } catch (error) {
    for (const track of stream.getTracks()) track.stop();
    await context.close();
    throw error;
  }
  const source = context.createMediaStreamSource(stream);
  const capture = new AudioWorkletNode(context, "capture");
  const queue = chunkQueue();
  capture.port.onmessage = (event: MessageEvent<Float32Array>) => queue.push(event.data);
  source.connect(capture);
  let stopped: Promise<void> | undefined;
  return {
    sampleRate: context.sampleRate,
    chunks: queue.chunks,
    stop: () => {
      stopped ??= (async () => {
        source.disconnect();
        capture.port.onmessage = null;
        for (const track of stream.getTracks()) track.stop();
        await context.close();
        queue.end();
      })();
      return stopped;
    },
  };
}

/** Chunks pushed by the worklet, read with `for await`; ends after `end()` once drained. */
function chunkQueue() {
  const pending: Float32Array[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  async function* chunks(): AsyncGenerator<Float32Array> {
    for (;;) {
      const next = pending.shift();
      if (next) yield next;
      else if (ended) return;
      else await new Promise<void>((resolve) => (wake = resolve));
    }
  }
  return {
    chunks: chunks(),
    push(chunk: Float32Array) {
      if (ended) return;
      pending.push(chunk);
      notify();
    },
    end() {
      ended = true;
      notify();
    },
  };
}
