/**
 * An audio file (WAV, or anything else the browser decodes) as mono Float32 PCM. decodeAudioData
 * resamples to its context's rate, so decode straight to the 16 kHz the model hears (the VAD
 * stream would otherwise resample again) and average the channels.
 */

export interface DecodedAudio {
  sampleRate: number;
  samples: Float32Array;
}

const DECODE_RATE = 16000;

export async function decodeAudioFile(file: Blob): Promise<DecodedAudio> {
  const buffer = await new OfflineAudioContext(1, 1, DECODE_RATE).decodeAudioData(await file.arrayBuffer());
  const samples = new Float32Array(buffer.length);
  for (let channel = 0; channel < buffer.numberOfChannels; channel++) {
    const data = buffer.getChannelData(channel);
    for (let i = 0; i < data.length; i++) samples[i] += data[i] / buffer.numberOfChannels;
  }
  return { sampleRate: buffer.sampleRate, samples };
}
