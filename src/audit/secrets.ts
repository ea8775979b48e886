/**
 * The audit secrets: AUDIT_PEPPER (pseudonyms and input digests) and AUDIT_SIGNING_KEY (the
 * chain's MACs), both HMAC-SHA256 keys, checked like every key secret (src/secret-keys.ts).
 */
export const AUDIT_SECRETS = ["AUDIT_PEPPER", "AUDIT_SIGNING_KEY"] as const;
