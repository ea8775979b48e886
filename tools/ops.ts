/**
 * `npm run ops -- probing-clear --function F --sub S [--tenant T] [--base URL] --token T`: lifts the
 * probing detector's stop on one principal for one function (and forgets its strikes), through the
 * worker's admin route. The token needs the `admin` scope (locally: npm run token -- --sub you
 * --scope admin); the subject is sent as its digest, never in the clear, and the clear is audited
 * under the operator's identity.
 */
import { parseArgs } from "node:util";
import { principalDigest } from "../src/auth/principal-digest";
import { requireAdminRoute } from "./admin-route";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    function: { type: "string" },
    sub: { type: "string" },
    tenant: { type: "string" },
    base: { type: "string", default: "http://127.0.0.1:8787" },
    token: { type: "string", default: process.env.BASTION_TOKEN },
  },
});
if (positionals[0] !== "probing-clear" || !values.function || !values.sub || !values.token) {
  console.error(
    "usage: npm run ops -- probing-clear --function F --sub SUBJECT [--tenant T] [--base URL] --token ADMIN_TOKEN",
  );
  process.exit(2);
}

const principal = await principalDigest({
  subject: values.sub,
  tenant: values.tenant,
  tier: "",
  scopes: new Set(),
});
await requireAdminRoute(
  { base: values.base, token: values.token },
  `/v1/admin/probing/${encodeURIComponent(values.function)}/${principal}/clear`,
);
console.log(
  `bastion: cleared ${values.sub}${values.tenant ? ` (tenant ${values.tenant})` : ""} for ${values.function}`,
);
