/** Where subject keys live: SubjectKeys Durable Objects, or Redis with PRIVACY_STORE=redis (src/privacy/store.ts). */
import { privacyStores } from "../store";
import { redisSubjectKeys } from "./redis";
import type { SubjectKeyStore } from "./types";

export const subjectKeyStores = () =>
  privacyStores<SubjectKeyStore>("SUBJECT_KEYS", redisSubjectKeys, ({ SUBJECT_KEYS: namespace }) => {
    if (!namespace) return undefined;
    const keys = (lookup: string) => namespace.get(namespace.idFromName(lookup));
    return {
      getOrCreate: (lookup, candidate) => keys(lookup).getOrCreate(candidate),
      get: (lookup) => keys(lookup).get(),
      erase: (lookup) => keys(lookup).erase(),
    };
  });
