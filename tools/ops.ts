/**
 * `npm run ops -- <command>`: an operator's actions on a running worker, through its admin routes.
 * The token needs the `admin` scope (locally: npm run token -- --sub you --scope admin); every
 * action is audited under the operator's identity, and a subject is sent only as its digest.
 *
 *   stop FUNCTION --reason WHY [--public TEXT] [--sub S [--tenant T]]
 *                     stop the function (or, with --sub, the function for that principal): its
 *                     next requests get 503 function_stopped with the public text
 *   resume FUNCTION [--reason WHY] [--sub S [--tenant T]]
 *   controls FUNCTION show the function's stops
 *   probing-clear --function F --sub S [--tenant T]
 *                     lift the probing detector's stop on one principal for one function
 *
 * Every command takes [--base URL] (default http://127.0.0.1:8787) and --token ADMIN_TOKEN
 * (or BASTION_TOKEN in the environment).
 */
import { parseArgs } from "node:util";
import { principalDigest } from "../src/auth/principal-digest";
import { type AdminTarget, requireAdminRoute } from "./admin-route";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    function: { type: "string" },
    sub: { type: "string" },
    tenant: { type: "string" },
    reason: { type: "string" },
    public: { type: "string" },
    base: { type: "string", default: "http://127.0.0.1:8787" },
    token: { type: "string", default: process.env.BASTION_TOKEN },
  },
});
const [command, name] = positionals;
if (!values.token) usage();
const target: AdminTarget = { base: values.base as string, token: values.token as string };
const who = values.sub ? `${values.sub}${values.tenant ? ` (tenant ${values.tenant})` : ""}` : undefined;
const principal = values.sub
  ? await principalDigest({ subject: values.sub, tenant: values.tenant, tier: "", scopes: new Set() })
  : undefined;
const functionPath = (fn: string, action: string) => `/v1/admin/functions/${encodeURIComponent(fn)}/${action}`;

if (command === "stop" && name && values.reason) {
  const answer = await requireAdminRoute(target, functionPath(name, "stop"), {
    reason: values.reason,
    publicReason: values.public,
    principal,
  });
  console.log(
    `bastion: stopped ${name}${who ? ` for ${who}` : ""}${answer.wasStopped ? " (it was stopped already)" : ""}; callers are told: ${answer.publicReason}`,
  );
} else if (command === "resume" && name) {
  const answer = await requireAdminRoute(target, functionPath(name, "resume"), { reason: values.reason, principal });
  console.log(`bastion: resumed ${name}${who ? ` for ${who}` : ""}${answer.wasStopped ? "" : " (it was not stopped)"}`);
} else if (command === "controls" && name) {
  console.log(
    JSON.stringify(await requireAdminRoute(target, functionPath(name, "controls"), undefined, "GET"), null, 2),
  );
} else if (command === "probing-clear" && values.function && principal) {
  await requireAdminRoute(target, `/v1/admin/probing/${encodeURIComponent(values.function)}/${principal}/clear`);
  console.log(`bastion: cleared ${who} for ${values.function}`);
} else {
  usage();
}

function usage(): never {
  console.error(
    [
      "usage: npm run ops -- stop FUNCTION --reason WHY [--public TEXT] [--sub S [--tenant T]] [--base URL] --token ADMIN_TOKEN",
      "       npm run ops -- resume FUNCTION [--reason WHY] [--sub S [--tenant T]] [--base URL] --token ADMIN_TOKEN",
      "       npm run ops -- controls FUNCTION [--base URL] --token ADMIN_TOKEN",
      "       npm run ops -- probing-clear --function F --sub SUBJECT [--tenant T] [--base URL] --token ADMIN_TOKEN",
    ].join("\n"),
  );
  process.exit(2);
}
