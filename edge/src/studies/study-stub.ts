/** The RPC stub of a study's Durable Object. */
import type { EdgeBindings } from '../config.js';
import { studyObjectName } from './study-keys.js';

export function studyStub(env: EdgeBindings, tenant: string, id: string) {
  return env.STUDY.get(env.STUDY.idFromName(studyObjectName(tenant, id)));
}
