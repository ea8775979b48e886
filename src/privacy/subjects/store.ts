/** Where subject keys live: SubjectKeys Durable Objects, or Redis with PRIVACY_STORE=redis (src/state-store.ts). */
import { PrivacyStoreUnavailable } from "../../errors";
import { stateStore } from "../../state-store";
import { redisSubjectKeys } from "./redis";
import type { SubjectKeyStore } from "./types";

export const subjectKeyStores = () =>
  stateStore<SubjectKeyStore>({
    setting: "PRIVACY_STORE",
    binding: "SUBJECT_KEYS",
    unavailable: (message) => new PrivacyStoreUnavailable(message),
    inRedis: redisSubjectKeys,
    inDurableObjects: ({ SUBJECT_KEYS: namespace }) => {
      if (!namespace) return undefined;
      const keys = (lookup: string) => namespace.get(namespace.idFromName(lookup));
      return {
        getOrCreate: (lookup, candidate) => keys(lookup).getOrCreate(candidate),
        get: (lookup) => keys(lookup).get(),
        erase: (lookup) => keys(lookup).erase(),
      };
    },
  });
