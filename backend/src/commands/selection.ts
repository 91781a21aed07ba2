import type { Db } from '../db/db';
import { notFound } from '../domain/errors';
import { applicationExists } from '../store/applications';
import { backendExists } from '../store/backends';
import { currentServerIds, ServerSelection } from '../store/servers';

/**
 * The current servers a selection (of a bulk command or a job) names, in id order; a 404 for a backend or an
 * application that does not exist, or for listed server ids that are not current servers of the selection
 * (unknown, no longer in HAProxy, or outside the backend or application also named), all of them named: a
 * caller that lists servers gets each of them acted on or a refusal, never fewer results than it asked for.
 * An existing backend or application without current servers gives none: the caller says why that is refused.
 */
export async function selectedServerIds(db: Db, sel: ServerSelection): Promise<number[]> {
  if (sel.backendId !== undefined && !(await backendExists(db, sel.backendId))) {
    throw notFound(`backend ${sel.backendId}`);
  }
  if (sel.applicationId !== undefined && !(await applicationExists(db, sel.applicationId))) {
    throw notFound(`application ${sel.applicationId}`);
  }
  const ids = await currentServerIds(db, sel);
  if (sel.serverIds) {
    const current = new Set(ids);
    const missing = [...new Set(sel.serverIds)].filter((id) => !current.has(id));
    if (missing.length) {
      const narrowed = sel.backendId !== undefined || sel.applicationId !== undefined;
      throw notFound(
        `server${missing.length > 1 ? 's' : ''} ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ` and ${missing.length - 20} more` : ''} ` +
          `(or no longer in HAProxy${narrowed ? ', or not in the backend or application named' : ''})`
      );
    }
  }
  return ids;
}
