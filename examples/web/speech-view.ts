/**
 * What the Speech panel shows of a stream: the probability chart, and the segments as text
 * (`speech 0.52 s – 1.87 s`, with the numbers in data attributes for scripts and tests).
 */
import { drawProbabilityChart, type ProbabilityPoint, type Segment } from "./probability-chart";

export class SpeechView {
  private points: ProbabilityPoint[] = [];
  private segments: Segment[] = [];
  private openSince: number | undefined;
  private drawPending = false;

  constructor(
    private readonly chart: HTMLCanvasElement,
    private readonly list: HTMLOListElement,
    private readonly statusLine: HTMLElement,
    private readonly threshold: number,
  ) {}

  reset(): void {
    this.points = [];
    this.segments = [];
    this.openSince = undefined;
    this.list.replaceChildren();
    this.draw();
  }

  status(text: string): void {
    this.statusLine.textContent = text;
  }

  frame(time: number, probability: number): void {
    this.points.push({ time, probability });
    this.draw();
  }

  /** Speech heard since `start` and not yet closed into a segment (undefined: none). */
  openSegment(start: number | undefined): void {
    if (start === this.openSince) return;
    this.openSince = start;
    this.draw();
  }

  segment(start: number, end: number): void {
    this.segments.push({ start, end });
    this.openSince = undefined;
    const item = document.createElement("li");
    item.dataset.start = start.toFixed(3);
    item.dataset.end = end.toFixed(3);
    item.textContent = `speech ${start.toFixed(2)} s – ${end.toFixed(2)} s`;
    this.list.append(item);
    this.draw();
  }

  /** At most one redraw per animation frame, however fast results arrive. */
  private draw(): void {
    if (this.drawPending) return;
    this.drawPending = true;
    requestAnimationFrame(() => {
      this.drawPending = false;
      drawProbabilityChart(this.chart, {
        points: this.points,
        segments: this.segments,
        openSince: this.openSince,
        threshold: this.threshold,
      });
    });
  }
}
