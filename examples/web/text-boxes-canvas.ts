/** The uploaded image on a canvas with the detected text boxes outlined and numbered over it. */

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Draws `image` and `boxes`, which are in the coordinates of an image `boxSpace` wide and high
 * (the one sent to text-detect, maybe scaled down from the original).
 */
export function drawTextBoxes(
  canvas: HTMLCanvasElement,
  image: CanvasImageSource & { width: number; height: number },
  boxes: readonly Box[],
  boxSpace: { width: number; height: number },
): void {
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext("2d");
  if (!context) return;
  context.drawImage(image, 0, 0);
  const sx = image.width / boxSpace.width;
  const sy = image.height / boxSpace.height;
  context.lineWidth = Math.max(2, Math.round(image.width / 400));
  context.strokeStyle = "#e5484d";
  context.fillStyle = "#e5484d";
  context.font = `${Math.max(12, Math.round(image.width / 60))}px system-ui, sans-serif`;
  boxes.forEach((box, index) => {
    context.strokeRect(box.x * sx, box.y * sy, box.width * sx, box.height * sy);
    context.fillText(String(index + 1), box.x * sx, Math.max(12, box.y * sy - 3));
  });
}
