/**
 * The system's Chromium (Debian's `chromium`, which `npm test`'s pretest installs), driven by
 * playwright-core: nothing downloads a browser. Headless, offline, with a fake microphone that
 * plays a WAV file (looping) and grants itself without asking.
 */
import path from "node:path";
import { type Browser, chromium } from "playwright-core";
import { onPath } from "../tools/system-tools";

/** The Chromium executable on the PATH, or undefined where there is none. */
export function findChromium(pathVariable = process.env.PATH ?? ""): string | undefined {
  for (const name of ["chromium", "chromium-browser"]) {
    const dir = pathVariable.split(path.delimiter).find((d) => d && onPath(name, d));
    if (dir) return path.join(dir, name);
  }
  return undefined;
}

/** Without a network, Chromium's background fetches stall on refused connections: none of them. */
const OFFLINE_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Playwright gives each launch a fresh temporary profile of its own. */
export function launchChromium(executablePath: string, fakeMicrophoneWav: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: [
      ...OFFLINE_FLAGS,
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-audio-capture=${fakeMicrophoneWav}`,
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
}

/** Headless and offline, nothing else: for pages that need no microphone. */
export function launchHeadless(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, args: OFFLINE_FLAGS });
}
