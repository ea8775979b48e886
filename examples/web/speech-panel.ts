/**
 * The Speech panel: the microphone (start/stop) or an audio file, through the client's VAD
 * stream, into the chart and the segment list.
 */
import type { BastionClient, BastionFunctions, VadStream } from "../../src/client";
import { DEFAULT_SPEECH_OPTIONS } from "../../src/client";
import { type Microphone, openMicrophone } from "./microphone";
import { SpeechView } from "./speech-view";
import { decodeAudioFile } from "./wav-file";

export interface SpeechPanelElements {
  start: HTMLButtonElement;
  stop: HTMLButtonElement;
  file: HTMLInputElement;
  chart: HTMLCanvasElement;
  segments: HTMLOListElement;
  status: HTMLElement;
}

/** Seconds of a decoded file pushed at a time, so its chart fills in as the answers come. */
const FILE_CHUNK_SECONDS = 0.5;

export function setUpSpeechPanel(
  elements: SpeechPanelElements,
  connect: () => BastionClient<BastionFunctions>,
  reportError: (action: string, error: unknown) => void,
): void {
  const view = new SpeechView(
    elements.chart,
    elements.segments,
    elements.status,
    DEFAULT_SPEECH_OPTIONS.positiveSpeechThreshold,
  );
  let microphone: Microphone | undefined;
  /** Stops whatever is running: set while the microphone or a file is being analysed. */
  let cancel: AbortController | undefined;
  const busy = (running: boolean) => {
    elements.start.disabled = running;
    elements.file.disabled = running;
    elements.stop.disabled = !running;
  };

  const analyse = async (action: string, open: (signal: AbortSignal) => Promise<Source>) => {
    cancel = new AbortController();
    const { signal } = cancel;
    busy(true);
    view.reset();
    try {
      const source = await open(signal);
      view.status(`${action}: listening (${source.sampleRate} Hz)…`);
      const stream = connect().vadStream({ sampleRate: source.sampleRate, signal });
      await feed(stream, source.chunks, view);
      view.status(`${action}: done, ${elements.segments.childElementCount} speech segment(s).`);
    } catch (error) {
      view.status(`${action}: stopped by an error.`);
      if (!signal.aborted) reportError(action, error);
    } finally {
      await microphone?.stop();
      microphone = undefined;
      cancel = undefined;
      busy(false);
    }
  };

  elements.start.addEventListener("click", () =>
    analyse("microphone", async () => {
      microphone = await openMicrophone();
      return microphone;
    }),
  );
  // Stopping the microphone ends its chunks: the stream then ends and closes any open segment.
  elements.stop.addEventListener("click", () => {
    if (microphone) void microphone.stop();
    else cancel?.abort();
  });
  elements.file.addEventListener("change", () => {
    const file = elements.file.files?.[0];
    if (!file) return;
    void analyse(file.name, async () => {
      const audio = await decodeAudioFile(file);
      return { sampleRate: audio.sampleRate, chunks: inChunks(audio.samples, audio.sampleRate * FILE_CHUNK_SECONDS) };
    });
  });
}

interface Source {
  sampleRate: number;
  chunks: AsyncIterable<Float32Array> | Iterable<Float32Array>;
}

/** Pushes every chunk, then ends the stream, showing each update as it comes. */
async function feed(stream: VadStream, chunks: Source["chunks"], view: SpeechView): Promise<void> {
  const show = ({ frames, segments, speakingSince }: Awaited<ReturnType<VadStream["push"]>>) => {
    for (const { time, probability } of frames) view.frame(time, probability);
    for (const { start, end } of segments) view.segment(start, end);
    view.openSegment(speakingSince);
  };
  for await (const chunk of chunks) show(await stream.push(chunk));
  show(await stream.end());
}

function* inChunks(samples: Float32Array, size: number): Generator<Float32Array> {
  for (let i = 0; i < samples.length; i += size) yield samples.subarray(i, i + size);
}
