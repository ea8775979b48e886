/**
 * The AudioWorklet that taps the microphone: mixes each 128-sample render quantum down to mono
 * and posts it to the page in chunks (posting every quantum would wake the page 375 times a
 * second). Bundled on its own: a worklet runs in the audio thread's scope, not the page's.
 */

// The AudioWorklet global scope, which the DOM library does not describe.
declare abstract class AudioWorkletProcessor {
  readonly port: MessagePort;
  abstract process(inputs: Float32Array[][]): boolean;
}
declare function registerProcessor(name: string, processor: new () => AudioWorkletProcessor): void;

/** Samples per message: about 43 ms at 48 kHz. */
const CHUNK = 2048;

class CaptureProcessor extends AudioWorkletProcessor {
  private chunk = new Float32Array(CHUNK);
  private filled = 0;

  process(inputs: Float32Array[][]): boolean {
    const channels = inputs[0];
    if (!channels || channels.length === 0) return true;
    const length = channels[0].length;
    for (let i = 0; i < length; i++) {
      let sum = 0;
      for (const channel of channels) sum += channel[i];
      this.chunk[this.filled++] = sum / channels.length;
      if (this.filled === CHUNK) {
        this.port.postMessage(this.chunk, [this.chunk.buffer]);
        this.chunk = new Float32Array(CHUNK);
        this.filled = 0;
      }
    }
    return true;
  }
}

registerProcessor("capture", CaptureProcessor);
