/**
 * The Text panel: an image through text-detect, its boxes drawn over it, then each of the first
 * few boxes cropped and sent to text-orientation (upright or upside down).
 */
import type { BastionClient, BastionFunctions } from "../../src/client";
import { cropPng, prepareImage } from "./png";
import { drawTextBoxes } from "./text-boxes-canvas";

export interface TextPanelElements {
  file: HTMLInputElement;
  canvas: HTMLCanvasElement;
  count: HTMLElement;
  lines: HTMLOListElement;
  status: HTMLElement;
}

/** Lines whose orientation is asked for: enough to show, few enough to spare the rate limit. */
const MAX_ORIENTATION_CALLS = 5;

export function setUpTextPanel(
  elements: TextPanelElements,
  connect: () => BastionClient<BastionFunctions>,
  reportError: (action: string, error: unknown) => void,
): void {
  elements.file.addEventListener("change", async () => {
    const file = elements.file.files?.[0];
    if (!file) return;
    elements.file.disabled = true;
    elements.count.textContent = "";
    elements.lines.replaceChildren();
    delete elements.canvas.dataset.boxes;
    let action = "text-detect";
    try {
      const client = connect();
      elements.status.textContent = `${file.name}: detecting text…`;
      const image = await prepareImage(file);
      const { boxes, width, height } = await client.fn("text-detect", { png: image.png });
      drawTextBoxes(elements.canvas, image.canvas, boxes, { width, height });
      elements.canvas.dataset.boxes = String(boxes.length);
      elements.count.textContent = `${boxes.length} text box${boxes.length === 1 ? "" : "es"}`;

      action = "text-orientation";
      const asked = boxes.slice(0, MAX_ORIENTATION_CALLS);
      for (const [index, box] of asked.entries()) {
        elements.status.textContent = `${file.name}: orientation of line ${index + 1} of ${asked.length}…`;
        const { label, confidence } = await client.fn("text-orientation", { png: await cropPng(image.canvas, box) });
        const item = document.createElement("li");
        item.dataset.orientation = label;
        item.textContent =
          `#${index + 1} at ${box.x},${box.y} ${box.width}x${box.height} (score ${box.score.toFixed(2)}): ` +
          `${label === "0" ? "upright" : "upside down"} (${label}°, confidence ${confidence.toFixed(2)})`;
        elements.lines.append(item);
      }
      elements.status.textContent = `${file.name}: done.`;
    } catch (error) {
      elements.status.textContent = `${file.name}: stopped by an error.`;
      reportError(action, error);
    } finally {
      elements.file.disabled = false;
    }
  });
}
