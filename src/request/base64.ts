/**
 * Standard base64 (RFC 4648 §4) as request bodies carry binary data, parsed strictly: padded, no
 * whitespace, no other alphabet. `atob` alone would accept whitespace and missing padding, and two
 * parsers that disagree about one string are how a checked value and a used value come apart.
 */
// With the length a multiple of 4. (A pattern of 4-character groups would be stricter on its own,
// but V8 runs out of stack on it for strings of megabytes.)
const BASE64_ALPHABET = /^[A-Za-z0-9+/]*={0,2}$/;

/** The bytes, or undefined when `text` is not strict base64. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0 || !BASE64_ALPHABET.test(text)) return undefined;
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Standard padded base64 of `bytes`, the form `decodeBase64` accepts. */
export function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
