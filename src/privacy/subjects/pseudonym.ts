/**
 * What a subject's key computes for the audit log. Both are HMAC-SHA256 under the subject's own
 * key, apart by a label, so neither can be computed once the key is erased.
 */
import { hex } from "../../models/envelope";

const PSEUDONYM = new TextEncoder().encode("bastion.audit.pseudonym/1");
const INPUT = new TextEncoder().encode("bastion.audit.input/1\0");

/** The subject's pseudonym in the audit log, hex. */
export async function pseudonymOf(subjectKey: CryptoKey): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.sign("HMAC", subjectKey, PSEUDONYM)));
}

/** The digest of an input the subject sent (canonical bytes), hex: equal inputs of one subject match. */
export async function inputDigestOf(subjectKey: CryptoKey, input: Uint8Array): Promise<string> {
  const labelled = new Uint8Array(INPUT.length + input.length);
  labelled.set(INPUT);
  labelled.set(input, INPUT.length);
  return hex(new Uint8Array(await crypto.subtle.sign("HMAC", subjectKey, labelled)));
}
