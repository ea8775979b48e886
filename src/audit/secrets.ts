/**
 * The audit secrets: AUDIT_PEPPER (the subject keys' lookup and wrapping keys are derived from it,
 * src/privacy/subjects) and AUDIT_SIGNING_KEY (the chain's MACs), checked like every key secret
 * (src/secret-keys.ts).
 */
export const AUDIT_SECRETS = ["AUDIT_PEPPER", "AUDIT_SIGNING_KEY"] as const;
