/**
 * The token layout of Fernet version 0x80 (https://github.com/fernet/spec/blob/master/Spec.md):
 *
 *   version (1) ‖ timestamp (8, big-endian Unix seconds) ‖ IV (16) ‖ ciphertext (16·n) ‖ HMAC (32)
 *
 * the HMAC-SHA256 (signing key) covering everything before it, the ciphertext AES-128-CBC
 * (encryption key) of the PKCS #7-padded message, the whole url-safe base64 with padding.
 */
export const VERSION = 0x80;
export const IV_BYTES = 16;
export const MAC_BYTES = 32;
export const HEADER_BYTES = 1 + 8 + IV_BYTES;
const BLOCK_BYTES = 16;

/** Whether `length` bytes can be a token: a header, at least one cipher block, a MAC. */
export function plausibleLength(length: number): boolean {
  const ciphertext = length - HEADER_BYTES - MAC_BYTES;
  return ciphertext >= BLOCK_BYTES && ciphertext % BLOCK_BYTES === 0;
}

/** Seconds since the epoch, as the timestamp field counts them. */
export function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
