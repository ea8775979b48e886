/** What a deployed worker does while a configuration check fails: said by `npm run deploy --force`. */
export const WHILE_FAILING: Record<string, string> = {
  "model-keys": "no model opens: inference answers 503 model_key_unavailable",
  audit: "every protected route answers 503 audit_not_configured",
  "state-key": "vad releases no state: 503 state_key_not_configured",
  "fernet-keys": "sealed fields are refused: 503 fernet_not_configured",
  "token-verification": "no token verifies: every protected route answers 503 auth_not_configured",
  "rate-limits": "the limited routes answer 503 rate_limit_not_configured",
  "audit-retention": "the audit log is not kept as long as the EU AI Act asks (Art. 26(6))",
  "cors-origins": "requests from web pages answer 503 cors_not_configured",
  "models-signed": "the unsigned models are refused: 503 model_integrity_failed",
  "models-published":
    "the functions of missing models answer 503 model_unavailable; another build's, 503 model_integrity_failed",
};
