/**
 * One subject's wrapped key, in a Durable Object named by the subject's lookup (never the
 * subject). The object runs one call at a time, so get-or-create cannot store two keys.
 */
import { DurableObject } from "cloudflare:workers";

const KEY = "key";

export class SubjectKeys extends DurableObject {
  async getOrCreate(candidate: string): Promise<string> {
    const stored = await this.ctx.storage.get<string>(KEY);
    if (stored !== undefined) return stored;
    await this.ctx.storage.put(KEY, candidate);
    return candidate;
  }

  async get(): Promise<string | null> {
    return (await this.ctx.storage.get<string>(KEY)) ?? null;
  }

  async erase(): Promise<boolean> {
    const existed = (await this.ctx.storage.get<string>(KEY)) !== undefined;
    await this.ctx.storage.deleteAll();
    return existed;
  }
}
