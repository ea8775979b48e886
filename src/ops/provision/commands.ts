/**
 * Each step as the wrangler 4.86 command that carries it out (arguments as the commands declare
 * them in node_modules/wrangler/wrangler-dist/cli.js: r2BucketCreateCommand, queuesCreateCommand,
 * r2BucketLifecycleAddCommand, secretPutCommand). Publishing the models is one `r2 object put`
 * per object (tools/remote-bucket.ts), decided as it goes.
 */
import type { Step } from "./types";

export type CommandStep = Exclude<Step, { kind: "publish-models" }>;

export function wranglerCommand(step: CommandStep, env: string): string[] {
  switch (step.kind) {
    case "create-bucket":
      return ["r2", "bucket", "create", step.bucket];
    case "create-queue":
      return ["queues", "create", step.queue];
    case "add-retention-rule": {
      // Positionals: bucket, rule name, prefix. With a prefix, wrangler asks no confirmation.
      const { name, prefix, expireDays } = step.rule;
      return ["r2", "bucket", "lifecycle", "add", step.bucket, name, prefix, "--expire-days", String(expireDays)];
    }
    case "put-secret":
      // The value goes on stdin, never into argv: wrangler reads stdin when it is not a terminal.
      return ["secret", "put", step.name, "--env", env];
  }
}
