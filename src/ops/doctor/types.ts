/**
 * `npm run doctor`: what is wrong with a deployment. Each check answers pass, warn or fail, says
 * what it found, and for anything short of a pass, how to fix it. A fail makes the CLI exit 1.
 *   - configuration checks (config.ts): the settings and secrets a deployment will run with,
 *     before it is deployed, judged by the same parsers the worker uses.
 */

/** `skip`: the check could not apply here (plain http on loopback, no token given), and says why. */
export type CheckStatus = "pass" | "warn" | "fail" | "skip";

export interface CheckResult {
  /** Stable, for `--json` and CI. */
  id: string;
  title: string;
  status: CheckStatus;
  /** What was found. Never a secret's value. */
  detail: string;
  /** How to fix it, when it is not a pass. */
  fix?: string;
}
