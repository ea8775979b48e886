/** Fernet (https://github.com/fernet/spec) on WebCrypto: one module per operation. */
export { type DecryptOptions, decryptFernet, MAX_CLOCK_SKEW_SECONDS, type OpenedToken, openFernet } from "./decrypt";
export { type EncryptOptions, encryptFernet } from "./encrypt";
export { FernetError, type FernetErrorCode } from "./errors";
export { decodeFernetKeys, type FernetKey, type FernetKeyring, generateFernetKey, importFernetKeys } from "./keys";
export { rotateFernet } from "./rotate";
