/**
 * The study a request names: its id from the path, checked against the id pattern before any
 * storage is touched, and the stub of its Durable Object under the caller's tenant (so another
 * tenant's id names an empty object: a 404, never a 403). Every study route starts here.
 */
import type { Context } from 'hono';
import { EdgeError } from '../http/edge-error.js';
import type { EdgeEnv } from '../http/edge-env.js';
import { STUDY_ID_PATTERN } from './study-keys.js';
import { studyStub } from './study-stub.js';

export interface StudyRef {
  id: string;
  stub: ReturnType<typeof studyStub>;
}

/** The one 404 of the study routes. */
export const studyNotFound = (): EdgeError => new EdgeError(404, 'study_not_found', 'no such study', { field: 'id' });

export function studyOf(c: Context<EdgeEnv>): StudyRef {
  const id = c.req.param('id') ?? '';
  if (!STUDY_ID_PATTERN.test(id)) throw studyNotFound();
  return { id, stub: studyStub(c.env, c.var.principal.tenant, id) };
}
