/**
 * An R2 bucket of the Cloudflare account, in the shape the model recipe uses, through `wrangler r2
 * object ... --remote` (needs `wrangler login` or CLOUDFLARE_API_TOKEN). Shared by `npm run models
 * -- build|rotate|status --remote` and `npm run provision`, which passes a `change` that prints
 * each write (and in a dry run only prints it).
 */
import type { ArtifactBucket } from "../models/recipe";
import { type ChangeAccount, changeAccount, runWrangler, WranglerFailed } from "./wrangler";

export function remoteBucket(bucket: string, options: { env?: string; change?: ChangeAccount } = {}): ArtifactBucket {
  const remote = [...(options.env ? ["--env", options.env] : []), "--remote"];
  const change = options.change ?? changeAccount;
  return {
    async get(key) {
      // r2ObjectGetCommand: --pipe writes the object alone to stdout; a missing object (or bucket:
      // getR2Object's 404) is the error "The specified key does not exist.".
      const args = ["r2", "object", "get", `${bucket}/${key}`, "--pipe", ...remote];
      const output = await runWrangler(args);
      if (output.code === 0) return { text: async () => output.stdout };
      const failed = new WranglerFailed(args, output);
      if (failed.reason.includes("The specified key does not exist.")) return null;
      throw failed;
    },
    async put(key, value) {
      // r2ObjectPutCommand: --pipe reads the whole object from stdin. It has no flag for custom
      // metadata, which the recipe's readers do not need: the envelope says it all.
      const bytes = typeof value === "string" ? Buffer.byteLength(value) : value.byteLength;
      await change(["r2", "object", "put", `${bucket}/${key}`, "--pipe", ...remote], {
        value,
        shownAs: `<${bytes} bytes>`,
      });
    },
  };
}
