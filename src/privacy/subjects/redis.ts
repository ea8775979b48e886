/** Subject keys in Redis (over Upstash's REST API): one string per subject, created atomically by a script. */
import { Redis } from "@upstash/redis/cloudflare";
import type { SubjectKeyStore } from "./types";

const GET_OR_CREATE =
  "local stored = redis.call('get', KEYS[1]) if stored then return stored end redis.call('set', KEYS[1], ARGV[1]) return ARGV[1]";

export function redisSubjectKeys(url: string, token: string): SubjectKeyStore {
  const redis = new Redis({ url, token, retry: false, enableTelemetry: false, automaticDeserialization: false });
  const key = (lookup: string) => `bastion:subject:${lookup}`;
  return {
    getOrCreate: async (lookup, candidate) => String(await redis.eval(GET_OR_CREATE, [key(lookup)], [candidate])),
    get: (lookup) => redis.get<string>(key(lookup)),
    erase: async (lookup) => (await redis.del(key(lookup))) > 0,
  };
}
