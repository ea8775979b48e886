/**
 * Why Fernet refused. The codes are stable and deliberately coarse: every way a token can fail
 * (base64, version, length, MAC, age, clock skew, padding) is the one code `invalid_token` with
 * one message, so an answer never tells a forger which check caught them (no padding oracle).
 */
export type FernetErrorCode =
  /** The token does not open under any key: malformed, altered, expired, from the future, or someone else's. */
  | "invalid_token"
  /** A key is not the url-safe base64 of 32 bytes that `Fernet.generate_key()` writes. */
  | "invalid_key";

export class FernetError extends Error {
  constructor(
    readonly code: FernetErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "FernetError";
  }
}

/** The one refusal for any token that does not open; its message says nothing more. */
export const invalidToken = () => new FernetError("invalid_token", "invalid Fernet token");
