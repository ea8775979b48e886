/**
 * The demo page: a Bastion client made from the URL and token fields for each action (so an edit
 * applies at once), and the Speech and Text panels that use it. Failures land in the Errors list.
 */
import { createClient } from "../../src/client";
import { showError } from "./error-list";
import { setUpSpeechPanel } from "./speech-panel";
import { setUpTextPanel } from "./text-panel";

/** Where `npm start` runs Bastion, when the page was not served by `npm run demo`. */
const FALLBACK_URL = "http://127.0.0.1:8787";

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

const baseUrl = element<HTMLInputElement>("base-url");
const token = element<HTMLTextAreaElement>("token");
const errors = element<HTMLOListElement>("errors");
const served = document.querySelector<HTMLMetaElement>('meta[name="bastion-url"]')?.content ?? "";
baseUrl.value = served.startsWith("http") ? served : FALLBACK_URL;

function connect() {
  if (!token.value.trim()) throw new Error('paste an access token first (npm run token, see "Connection")');
  return createClient({ baseUrl: baseUrl.value.trim(), token: token.value.trim() });
}

function reportError(action: string, error: unknown): void {
  showError(errors, action, error);
}

const connectionStatus = element("connection-status");
element<HTMLButtonElement>("check").addEventListener("click", async () => {
  connectionStatus.textContent = "asking…";
  try {
    const functions = await connect().functions();
    connectionStatus.textContent = `this token may call: ${functions.map((fn) => fn.name).join(", ") || "nothing"}`;
  } catch (error) {
    connectionStatus.textContent = "failed (see Errors)";
    reportError("functions", error);
  }
});

setUpSpeechPanel(
  {
    start: element("mic-start"),
    stop: element("mic-stop"),
    file: element("wav-file"),
    chart: element("speech-chart"),
    segments: element("speech-segments"),
    status: element("speech-status"),
  },
  connect,
  reportError,
);

setUpTextPanel(
  {
    file: element("image-file"),
    canvas: element("text-canvas"),
    count: element("text-count"),
    lines: element("text-lines"),
    status: element("text-status"),
  },
  connect,
  reportError,
);
