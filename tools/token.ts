/**
 * `npm run token -- --sub alice --scope "infer:*"`: an access token signed by the local issuer
 * that `npm start` trusts (RFC 9068 shape, `typ: at+jwt`). The token is the last line printed.
 *
 *   --sub SUBJECT  --scope "A B"  [--tier TIER] [--client CLIENT_ID] [--tenant TENANT] [--ttl SECONDS]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { importJWK, SignJWT } from "jose";
import { DEV_TOKEN_KEY, ensureDevVars } from "./local-state";

const { values } = parseArgs({
  options: {
    sub: { type: "string" },
    scope: { type: "string", default: "" },
    tier: { type: "string" },
    client: { type: "string", default: "bastion-cli" },
    tenant: { type: "string" },
    ttl: { type: "string", default: "3600" },
  },
});
if (!values.sub) {
  console.error(
    'usage: npm run token -- --sub SUBJECT --scope "infer:* models:read" [--tier T] [--client C] [--tenant T] [--ttl S]',
  );
  process.exit(2);
}

const vars = await ensureDevVars();
const issuer = process.env.JWT_ISSUER ?? vars.JWT_ISSUER;
const audience = (process.env.JWT_AUDIENCE ?? vars.JWT_AUDIENCE).split(",")[0].trim();
const privateJwk = JSON.parse(readFileSync(DEV_TOKEN_KEY, "utf8"));
const ttl = Number(values.ttl);
const token = await new SignJWT({
  scope: values.scope,
  client_id: values.client,
  ...(values.tier ? { tier: values.tier } : {}),
  ...(values.tenant ? { tenant: values.tenant } : {}),
})
  .setProtectedHeader({ alg: privateJwk.alg, kid: privateJwk.kid, typ: "at+jwt" })
  .setSubject(values.sub)
  .setIssuer(issuer)
  .setAudience(audience)
  .setIssuedAt()
  .setExpirationTime(`${ttl}s`)
  .setJti(crypto.randomUUID())
  .sign(await importJWK(privateJwk, privateJwk.alg));

console.log(
  `# local token for "${values.sub}", scopes "${values.scope}", expires in ${ttl} s (issuer ${issuer}, audience ${audience})`,
);
console.log(token);
