/**
 * The doctor's only way to reach a server: raw HTTP/1.1 through node:http(s), to the one origin the
 * user named, within a request budget. Raw, because the checks send what fetch would normalise
 * away (`/v2/./models`, `%2e`, a body that stops early), and must see TLS and every header as sent.
 * Redirects are never followed: a redirect is itself something to report.
 */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import type { TLSSocket } from "node:tls";
import { DoctorBudgetExceeded } from "./types";

export interface ProbeRequest {
  method?: string;
  /** Sent exactly as given: not normalised, not encoded. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** A body of this many bytes, streamed in 64 KiB chunks (`chunked` without a length). */
  streamed?: { bytes: number; chunked: boolean; prefix: string; suffix: string };
  timeoutMs?: number;
}

export interface ProbeResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** At most the first 64 KiB. */
  body: Buffer;
  text: string;
  /** From the request's start to the response's last byte read. */
  ms: number;
  /** The negotiated TLS version, and when the server's certificate expires, on https. */
  tls?: { version: string; certificateExpires: Date };
}

/** A failure to get any answer: refused, reset, timed out, or a certificate not trusted. */
export interface ProbeFailure {
  status: "unanswered";
  error: string;
  ms: number;
}

export interface Probe {
  readonly base: URL;
  /** Requests sent so far. */
  readonly sent: number;
  send(request: ProbeRequest): Promise<ProbeResponse | ProbeFailure>;
}

const BODY_KEEP_BYTES = 64 * 1024;
/** "0,0,0,…": with the prefix and suffix, a valid JSON array that a server without a limit accepts. */
const CHUNK = new TextEncoder().encode("0,".repeat(32 * 1024));

export interface ProbeOptions {
  maxRequests: number;
  timeoutMs: number;
  /** Extra trusted CA certificates (PEM), as curl's --cacert. */
  ca?: string;
}

export function createProbe(base: URL, { maxRequests, timeoutMs, ca }: ProbeOptions): Probe {
  let sent = 0;
  const request = base.protocol === "https:" ? httpsRequest : httpRequest;
  return {
    base,
    get sent() {
      return sent;
    },
    send(probe) {
      if (sent >= maxRequests) throw new DoctorBudgetExceeded(maxRequests);
      sent++;
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      return new Promise((resolve) => {
        const headers: Record<string, string | number> = { "user-agent": "bastion-doctor", ...probe.headers };
        if (probe.body !== undefined) headers["content-length"] = Buffer.byteLength(probe.body);
        if (probe.streamed && !probe.streamed.chunked) headers["content-length"] = probe.streamed.bytes;
        const req = request(
          {
            protocol: base.protocol,
            hostname: base.hostname,
            port: base.port,
            method: probe.method ?? "GET",
            path: probe.path,
            headers,
            ca,
            agent: false,
            timeout: probe.timeoutMs ?? timeoutMs,
          },
          (response) => {
            const kept: Buffer[] = [];
            let keptBytes = 0;
            response.on("data", (chunk: Buffer) => {
              if (keptBytes < BODY_KEEP_BYTES) kept.push(chunk);
              keptBytes += chunk.length;
              // Enough seen: do not download a model to prove it is downloadable.
              if (keptBytes >= BODY_KEEP_BYTES) response.destroy();
            });
            const finish = () => {
              const body = Buffer.concat(kept).subarray(0, BODY_KEEP_BYTES);
              resolve({
                status: response.statusCode ?? 0,
                headers: response.headers,
                body,
                text: body.toString("utf8"),
                ms: elapsed(),
                tls: tlsOf(response.socket as TLSSocket),
              });
            };
            response.on("end", finish);
            response.on("close", finish);
            response.on("error", finish);
          },
        );
        req.on("timeout", () => req.destroy(new Error(`no answer in ${probe.timeoutMs ?? timeoutMs} ms`)));
        req.on("error", (error: NodeJS.ErrnoException) =>
          resolve({ status: "unanswered", error: error.code ?? error.message, ms: elapsed() }),
        );
        if (probe.streamed) void stream(req, probe.streamed);
        else req.end(probe.body);
      });
    },
  };
}

/** Writes a large body, stopping as soon as the server answers or hangs up (as a refusal should). */
async function stream(
  req: ReturnType<typeof httpRequest>,
  { bytes, prefix, suffix }: NonNullable<ProbeRequest["streamed"]>,
) {
  let answered = false;
  req.once("response", () => {
    answered = true;
  });
  req.once("close", () => {
    answered = true;
  });
  req.write(prefix);
  const end = bytes - suffix.length;
  for (let written = prefix.length; written < end && !answered; written += CHUNK.length) {
    const chunk = CHUNK.subarray(0, Math.min(CHUNK.length, end - written));
    if (!req.write(chunk)) await drainedOrClosed(req);
  }
  if (!answered) req.end(suffix);
}

function tlsOf(socket: TLSSocket): ProbeResponse["tls"] {
  const version = socket.getProtocol?.();
  if (!version) return undefined;
  return { version, certificateExpires: new Date(socket.getPeerCertificate().valid_to) };
}

function drainedOrClosed(req: ReturnType<typeof httpRequest>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      req.off("drain", done).off("close", done);
      resolve();
    };
    req.on("drain", done).on("close", done);
  });
}

export const answered = (r: ProbeResponse | ProbeFailure): r is ProbeResponse => r.status !== "unanswered";
