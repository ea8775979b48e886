/** base64url without padding (RFC 4648 §5), with only `btoa`/`atob` so it runs everywhere. */
export const base64url = {
  encode(bytes: Uint8Array): string {
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  },
  decode(text: string): Uint8Array {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  },
  /**
   * The bytes of `text` only if it is exactly what `encode` writes (the base64url alphabet, no
   * padding, no whitespace, zero trailing bits), else undefined: `decode` forgives standard base64
   * and stray characters, which would let a mistyped secret pass as a different key.
   */
  decodeStrict(text: string): Uint8Array | undefined {
    if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined;
    const bytes = base64url.decode(text);
    return base64url.encode(bytes) === text ? bytes : undefined;
  },
};
