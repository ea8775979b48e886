/**
 * The speech probability over time on a canvas: one point per frame, the threshold as a dashed
 * line, speech segments shaded (probability 0 at the bottom, 1 at the top). Shows the whole stream up to 30 s, then its last 30 s.
 */

export interface ProbabilityPoint {
  /** Seconds from the start of the stream (the frame's start). */
  time: number;
  probability: number;
}

export interface Segment {
  start: number;
  end: number;
}

export interface ChartData {
  points: readonly ProbabilityPoint[];
  segments: readonly Segment[];
  /** A segment still open (speech going on), drawn up to the last point. */
  openSince?: number;
  threshold: number;
}

const MIN_SPAN = 5;
const MAX_SPAN = 30;
const AXIS = 18;

export function drawProbabilityChart(canvas: HTMLCanvasElement, data: ChartData): void {
  const context = canvas.getContext("2d");
  if (!context) return;
  const { width, height } = canvas;
  const plotHeight = height - AXIS;
  const last = data.points.at(-1)?.time ?? 0;
  const span = Math.min(MAX_SPAN, Math.max(MIN_SPAN, last));
  const from = Math.max(0, last - span);
  const x = (time: number) => ((time - from) / span) * width;
  const y = (probability: number) => plotHeight - probability * (plotHeight - 4);

  context.clearRect(0, 0, width, height);
  context.fillStyle = "#fff";
  context.fillRect(0, 0, width, height);

  context.fillStyle = "rgba(47, 111, 222, 0.18)";
  const shaded =
    data.openSince === undefined ? data.segments : [...data.segments, { start: data.openSince, end: last }];
  for (const { start, end } of shaded) {
    if (end < from) continue;
    context.fillRect(x(Math.max(start, from)), 0, Math.max(1, x(end) - x(Math.max(start, from))), plotHeight);
  }

  context.strokeStyle = "#b42318";
  context.setLineDash([4, 4]);
  context.beginPath();
  context.moveTo(0, y(data.threshold));
  context.lineTo(width, y(data.threshold));
  context.stroke();
  context.setLineDash([]);
  context.fillStyle = "#b42318";
  context.font = "11px system-ui, sans-serif";
  context.fillText(`threshold ${data.threshold}`, width - 80, y(data.threshold) - 4);

  context.strokeStyle = "#2f6fde";
  context.lineWidth = 1.5;
  context.beginPath();
  let started = false;
  for (const point of data.points) {
    if (point.time < from) continue;
    if (started) context.lineTo(x(point.time), y(point.probability));
    else context.moveTo(x(point.time), y(point.probability));
    started = true;
  }
  context.stroke();
  context.lineWidth = 1;

  // The time axis: a tick and label every second (every five past 10 s shown).
  context.fillStyle = "#5b6475";
  context.strokeStyle = "#d8dde6";
  context.font = "11px system-ui, sans-serif";
  context.beginPath();
  context.moveTo(0, plotHeight + 0.5);
  context.lineTo(width, plotHeight + 0.5);
  context.stroke();
  const step = span > 10 ? 5 : 1;
  for (let second = Math.ceil(from / step) * step; second <= from + span; second += step) {
    context.fillRect(Math.round(x(second)), plotHeight, 1, 4);
    context.fillText(`${second} s`, Math.min(width - 24, x(second) + 2), height - 3);
  }
}
