/**
 * Images as the text functions take them: PNG, base64. Any image the browser can open is drawn
 * on a canvas and encoded as PNG there; a large one is scaled down first, since text-detect sees
 * at most 960 pixels on the longer side anyway (sending more only costs upload and budget).
 */

export const MAX_SIDE = 960;

export interface PreparedImage {
  /** The image as sent: at most MAX_SIDE on its longer side. */
  canvas: HTMLCanvasElement;
  /** Its PNG, base64. */
  png: string;
}

export async function prepareImage(file: Blob): Promise<PreparedImage> {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  canvas.getContext("2d")?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return { canvas, png: await pngBase64(canvas) };
}

/** The part of `source` inside `box` (with a small margin), as a base64 PNG. */
export function cropPng(
  source: HTMLCanvasElement,
  box: { x: number; y: number; width: number; height: number },
): Promise<string> {
  const margin = Math.round(box.height * 0.1);
  const x = Math.max(0, box.x - margin);
  const y = Math.max(0, box.y - margin);
  const width = Math.max(1, Math.min(source.width, box.x + box.width + margin) - x);
  const height = Math.max(1, Math.min(source.height, box.y + box.height + margin) - y);
  const crop = document.createElement("canvas");
  crop.width = width;
  crop.height = height;
  crop.getContext("2d")?.drawImage(source, x, y, width, height, 0, 0, width, height);
  return pngBase64(crop);
}

async function pngBase64(canvas: HTMLCanvasElement): Promise<string> {
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/png"));
  if (!blob) throw new Error("the browser could not encode the image as PNG");
  const bytes = new Uint8Array(await blob.arrayBuffer());
  // btoa takes a binary string; build it in slices to stay clear of argument-count limits.
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
