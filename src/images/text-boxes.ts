/**
 * Boxes from a DB text-probability map, after PaddleOCR's DBPostProcess: pixels above `threshold`
 * are grouped into 4-connected regions; a region whose mean probability reaches `boxThreshold`
 * becomes a box, grown by the "unclip" margin (area * ratio / perimeter) that DB shrank text by
 * during training. Boxes are axis-aligned here; PaddleOCR also fits rotated rectangles.
 */
export interface TextBox {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
}

export interface TextBoxOptions {
  threshold: number;
  boxThreshold: number;
  unclipRatio: number;
  minSide: number;
  maxBoxes: number;
}

const DEFAULTS: TextBoxOptions = { threshold: 0.3, boxThreshold: 0.6, unclipRatio: 1.5, minSide: 3, maxBoxes: 1000 };

export function findTextBoxes(
  probability: Float32Array,
  width: number,
  height: number,
  options: Partial<TextBoxOptions> = {},
): TextBox[] {
  const { threshold, boxThreshold, unclipRatio, minSide, maxBoxes } = { ...DEFAULTS, ...options };
  const visited = new Uint8Array(width * height);
  const stack = new Int32Array(width * height);
  const boxes: TextBox[] = [];
  for (let start = 0; start < probability.length && boxes.length < maxBoxes; start++) {
    if (visited[start] || probability[start] <= threshold) continue;
    let top = 0;
    stack[top++] = start;
    visited[start] = 1;
    let [minX, minY, maxX, maxY, sum, count] = [width, height, -1, -1, 0, 0];
    while (top > 0) {
      const p = stack[--top];
      const x = p % width;
      const y = (p - x) / width;
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
      sum += probability[p];
      count++;
      for (const q of [
        x > 0 ? p - 1 : -1,
        x < width - 1 ? p + 1 : -1,
        y > 0 ? p - width : -1,
        y < height - 1 ? p + width : -1,
      ]) {
        if (q >= 0 && !visited[q] && probability[q] > threshold) {
          visited[q] = 1;
          stack[top++] = q;
        }
      }
    }
    const w = maxX - minX + 1;
    const h = maxY - minY + 1;
    const score = sum / count;
    if (Math.min(w, h) < minSide || score < boxThreshold) continue;
    const margin = (w * h * unclipRatio) / (2 * (w + h));
    const x0 = Math.max(0, minX - margin);
    const y0 = Math.max(0, minY - margin);
    const x1 = Math.min(width, maxX + 1 + margin);
    const y1 = Math.min(height, maxY + 1 + margin);
    boxes.push({ x: x0, y: y0, width: x1 - x0, height: y1 - y0, score: Math.round(score * 1e4) / 1e4 });
  }
  return boxes;
}
