/**
 * The tamper-evident form of the log, shared by the writer (the AuditLog Durable Object) and
 * `npm run audit -- verify`. An object is NDJSON: a header line, then one event per line. The
 * header names the object's place in the chain (`seq`), the SHA-256 of the whole previous object
 * (`prev`), the SHA-256 of its own event lines, and an HMAC-SHA256 over all of that with
 * `AUDIT_SIGNING_KEY`. Changing an event breaks the digest; changing a header breaks the MAC;
 * deleting, inserting or reordering objects breaks `seq` or `prev`.
 */
import { base64url } from "../models/base64url";
import { hex } from "../models/envelope";
import type { AuditEvent } from "./types";

export const CHAIN_FORMAT = "bastion.audit-chain/1";
/** `prev` of the first object. */
export const GENESIS = "0".repeat(64);

export interface ChainHeader {
  format: typeof CHAIN_FORMAT;
  seq: number;
  prev: string;
  events: number;
  eventsSha256: string;
  /** When the object was written, ISO 8601. */
  written: string;
  mac: string;
}

/** Where the writer publishes its head, MACed, so that deleting the newest objects shows. */
export const HEAD_KEY = "audit/head.json";
const HEAD_FORMAT = "bastion.audit-head/1";

export interface ChainHead {
  seq: number;
  hash: string;
}

export function importSigningKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", base64url.decode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
}

/** Where the chained objects live, apart from the head, so retention can expire them and not it. */
export const OBJECTS_PREFIX = "audit/date=";

/** `audit/date=YYYY-MM-DD/hour=HH/<seq, 12 digits>.ndjson`, by the hour of its first event. */
export function objectKey(seq: number, firstEventTime: string): string {
  const [date, time] = firstEventTime.split("T");
  return `${OBJECTS_PREFIX}${date}/hour=${time.slice(0, 2)}/${String(seq).padStart(12, "0")}.ndjson`;
}

export async function sealObject(events: AuditEvent[], head: ChainHead, key: CryptoKey, now = new Date()) {
  const lines = `${events.map((e) => JSON.stringify(e)).join("\n")}\n`;
  const unsigned = {
    format: CHAIN_FORMAT,
    seq: head.seq + 1,
    prev: head.hash,
    events: events.length,
    eventsSha256: await sha256(lines),
    written: now.toISOString(),
  } as const;
  const mac = hex(
    new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(JSON.stringify(unsigned)))),
  );
  const body = `${JSON.stringify({ ...unsigned, mac })}\n${lines}`;
  return { key: objectKey(unsigned.seq, events[0].time), body, head: { seq: unsigned.seq, hash: await sha256(body) } };
}

export async function sealHead(head: ChainHead, key: CryptoKey): Promise<string> {
  const unsigned = { format: HEAD_FORMAT, seq: head.seq, hash: head.hash };
  return JSON.stringify({ ...unsigned, mac: await macOf(unsigned, key) });
}

export interface VerifyReport {
  objects: number;
  events: number;
  problems: string[];
}

/**
 * Checks every object, the chain they form, and that it ends where the writer's head (`head`,
 * the text of HEAD_KEY, null when absent) says; each problem names the object and what is wrong.
 */
export async function verifyChain(
  objects: { name: string; body: string }[],
  key: CryptoKey,
  head: string | null,
): Promise<VerifyReport> {
  const problems: string[] = [];
  const placed: { name: string; header: ChainHeader; hash: string }[] = [];
  let events = 0;
  for (const { name, body } of objects) {
    const newline = body.indexOf("\n");
    let header: ChainHeader;
    try {
      header = JSON.parse(body.slice(0, newline)) as ChainHeader;
      if (header.format !== CHAIN_FORMAT) throw new Error();
    } catch {
      problems.push(`${name}: not an audit object (its header is unreadable: modified or inserted)`);
      continue;
    }
    const { mac, ...unsigned } = header;
    const validMac = await crypto.subtle.verify(
      "HMAC",
      key,
      unhex(mac),
      new TextEncoder().encode(JSON.stringify(unsigned)),
    );
    if (!validMac) problems.push(`${name}: header MAC is invalid (header modified, or not written by this log)`);
    const lines = body.slice(newline + 1);
    if ((await sha256(lines)) !== header.eventsSha256)
      problems.push(`${name} (seq ${header.seq}): events modified (digest differs)`);
    const nameSeq = Number(/(\d{12})\.ndjson$/.exec(name)?.[1]);
    if (nameSeq !== header.seq)
      problems.push(`${name}: holds seq ${header.seq} under the name of seq ${nameSeq} (moved or reordered)`);
    events += header.events;
    placed.push({ name, header, hash: await sha256(body) });
  }
  placed.sort((a, b) => a.header.seq - b.header.seq);
  for (let i = 0; i < placed.length; i++) {
    const { name, header } = placed[i];
    const previous = placed[i - 1];
    if (previous && previous.header.seq === header.seq) {
      problems.push(`seq ${header.seq} appears twice (${previous.name}, ${name}): an object was inserted`);
      continue;
    }
    const expectedSeq = previous ? previous.header.seq + 1 : 1;
    for (let missing = expectedSeq; missing < header.seq; missing++)
      problems.push(`seq ${missing} is missing: an object was deleted`);
    const expectedPrev =
      previous && previous.header.seq === header.seq - 1 ? previous.hash : header.seq === 1 ? GENESIS : undefined;
    if (expectedPrev !== undefined && header.prev !== expectedPrev) {
      problems.push(
        `${name} (seq ${header.seq}): does not follow seq ${header.seq - 1} (prev digest differs: replaced, inserted or reordered)`,
      );
    }
  }
  problems.push(...(await checkHead(head, placed, key)));
  return { objects: objects.length, events, problems };
}

/**
 * The head must name an object that is there, unchanged. Objects past it are fine: their MACs and
 * links were checked above, so only the writer made them; it publishes an object before the head
 * that names it, and a reader that read the head first sees what was written since.
 */
async function checkHead(text: string | null, placed: { header: ChainHeader; hash: string }[], key: CryptoKey) {
  const newest = placed.at(-1);
  if (text === null)
    return newest ? [`${HEAD_KEY} is missing: whether the newest objects were deleted cannot be told`] : [];
  let head: { format: string; seq: number; hash: string; mac: string };
  try {
    head = JSON.parse(text);
  } catch {
    return [`${HEAD_KEY} is unreadable (modified)`];
  }
  const { mac, ...unsigned } = head;
  if (head.format !== HEAD_FORMAT || mac !== (await macOf(unsigned, key)))
    return [`${HEAD_KEY}: MAC is invalid (modified)`];
  const last = newest?.header.seq ?? 0;
  if (head.seq > last) return [`seq ${last + 1} to ${head.seq} are missing: the newest objects were deleted`];
  const named = placed.find(({ header }) => header.seq === head.seq);
  if (named && head.hash !== named.hash) return [`seq ${head.seq}: the object the head names was replaced`];
  return [];
}

async function macOf(value: object, key: CryptoKey): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(JSON.stringify(value)))));
}

async function sha256(text: string): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
}

function unhex(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g) ?? [], (byte) => Number.parseInt(byte, 16));
}
