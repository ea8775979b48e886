/**
 * Speech segments from per-frame speech probabilities, with the hysteresis of vad-web 0.0.31
 * (@ricky0123/vad-web, dist/frame-processor.js `FrameProcessor.process` and `endSegment`, with
 * `defaultFrameProcessorOptions`, which its v5 model uses unchanged):
 *
 * - a frame at or above `positiveSpeechThreshold` is speech: it starts a segment if none is open,
 *   and resets the redemption count;
 * - while a segment is open, each frame below `negativeSpeechThreshold` counts towards
 *   `redemptionMs`; when the count reaches it the segment closes (frames in between the two
 *   thresholds neither count nor reset);
 * - a closed segment with fewer speech frames than `minSpeechMs` is a misfire, and dropped.
 *
 * Times are those vad-web's NonRealTimeVAD reports: `start` at the first speech frame, `end` at
 * the end of the frame that closed the segment (so it includes the redemption time), or at the
 * end of the audio when the stream ends first. vad-web's `preSpeechPadMs` only widens the audio it
 * hands back, not these times, so it has no place here.
 */

export interface SpeechOptions {
  positiveSpeechThreshold: number;
  negativeSpeechThreshold: number;
  redemptionMs: number;
  minSpeechMs: number;
}

/** vad-web 0.0.31's defaults. */
export const DEFAULT_SPEECH_OPTIONS: SpeechOptions = {
  positiveSpeechThreshold: 0.3,
  negativeSpeechThreshold: 0.25,
  redemptionMs: 1400,
  minSpeechMs: 400,
};

/** A stretch of speech, in seconds from the start of the stream. */
export interface SpeechSegment {
  start: number;
  end: number;
}

export class SpeechSegmenter {
  private readonly options: SpeechOptions;
  private readonly redemptionFrames: number;
  private readonly minSpeechFrames: number;
  private frames = 0;
  private open = false;
  private start = 0;
  private speechFrames = 0;
  private redemption = 0;

  constructor(
    /** The length of a frame in ms: 32 for Silero v5's 512 samples at 16 kHz. */
    private readonly frameMs: number,
    options: Partial<SpeechOptions> = {},
  ) {
    this.options = { ...DEFAULT_SPEECH_OPTIONS, ...options };
    // Whole frames, rounded down, as vad-web's calculateFrameParams does.
    this.redemptionFrames = Math.floor(this.options.redemptionMs / frameMs);
    this.minSpeechFrames = Math.floor(this.options.minSpeechMs / frameMs);
  }

  /** Where the open segment started (speech heard and not yet closed), in seconds; else undefined. */
  get openSince(): number | undefined {
    return this.open ? this.start : undefined;
  }

  /** The next frame's probability; returns the segment it closes, if it closes one. */
  push(probability: number): SpeechSegment | undefined {
    const index = this.frames++;
    const isSpeech = probability >= this.options.positiveSpeechThreshold;
    if (isSpeech) {
      this.speechFrames++;
      this.redemption = 0;
      if (!this.open) {
        this.open = true;
        this.start = this.seconds(index);
      }
    }
    let closed: SpeechSegment | undefined;
    if (this.open && probability < this.options.negativeSpeechThreshold && ++this.redemption >= this.redemptionFrames) {
      closed = this.close(this.seconds(index + 1));
    }
    if (!this.open) this.speechFrames = 0;
    return closed;
  }

  /** The end of the stream: closes an open segment there. */
  end(): SpeechSegment | undefined {
    return this.open ? this.close(this.seconds(this.frames)) : undefined;
  }

  /** Seconds from the start of the stream to the start of frame `index`. */
  private seconds(index: number): number {
    return (index * this.frameMs) / 1000;
  }

  private close(end: number): SpeechSegment | undefined {
    const enough = this.speechFrames >= this.minSpeechFrames;
    this.open = false;
    this.speechFrames = 0;
    this.redemption = 0;
    return enough ? { start: this.start, end } : undefined;
  }
}
