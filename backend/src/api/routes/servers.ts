import Router from '@koa/router';
import { z } from 'zod';
import { badRequest, notFound } from '../../domain/errors';
import { serverTimeline } from '../../history/timeline';
import { backendExists } from '../../store/backends';
import { getServer, listBackendServers, searchServers } from '../../store/servers';
import { stateChanges, statusHistory } from '../../store/server-state';
import type { Db } from '../../db/db';
import { readsOf } from '../client-gone';
import type { ApiDeps } from '../deps';
import {
  adminStateList,
  boolParam,
  cursor,
  encodeCursor,
  id,
  idParams,
  isoTime,
  limit,
  MIN_TIME_MS,
  offset,
  operationalStateList,
  statusList,
  orderedRange,
} from '../validation';

/** A server as the API shows it, or a 404. */
export async function loadServer(db: Db, serverId: number) {
  const server = await getServer(db, serverId);
  if (!server) {
    throw notFound(`server ${serverId}`);
  }
  return server;
}

const serversQuery = z.object({
  instance_id: id.optional(),
  backend_id: id.optional(),
  application_id: id.optional(),
  status: statusList.optional(),
  admin_state: adminStateList.optional(),
  operational_state: operationalStateList.optional(),
  drift: boolParam.optional(),
  in_window: boolParam.optional(),
  q: z.string().max(200).optional(),
  limit: limit(1000, 50_000),
  offset,
  after: cursor(['string', 'string', 'string', 'id']).optional(),
});

const historyQuery = z
  .object({ since: isoTime.optional(), until: isoTime.optional(), limit: limit(500, 10_000) })
  .superRefine(orderedRange);
const timelineQuery = z.object({ since: isoTime.optional(), until: isoTime.optional() });

/** A timeline's default span (until now), and the changes one answer holds at most. */
const TIMELINE_DEFAULT_MS = 7 * 24 * 3600 * 1000;
const TIMELINE_MAX_CHANGES = 10_000;

/** Reads of HAProxy servers: per backend (the seed's, docs/design.md), fleet-wide with filters, and status history. */
export function serverRoutes(deps: ApiDeps) {
  const r = new Router();

  r.get('/api/haproxy/backends/:id/servers', async (ctx) => {
    const { id: backendId } = idParams.parse(ctx.params);
    if (!(await backendExists(deps.readDb, backendId))) {
      throw notFound(`backend ${backendId}`);
    }
    ctx.body = { servers: await listBackendServers(deps.readDb, backendId) };
  });

  r.get('/api/haproxy/servers', async (ctx) => {
    const q = serversQuery.parse(ctx.query);
    const { servers, total, next } = await searchServers(
      readsOf(ctx, deps.readDb),
      {
        instanceId: q.instance_id,
        backendId: q.backend_id,
        applicationId: q.application_id,
        statuses: q.status,
        adminStates: q.admin_state,
        operationalStates: q.operational_state,
        drift: q.drift,
        inWindow: q.in_window,
        text: q.q,
      },
      { limit: q.limit, offset: q.offset, after: q.after }
    );
    ctx.body = { servers, total, next: next && encodeCursor(next) };
  });

  r.get('/api/haproxy/servers/:id', async (ctx) => {
    ctx.body = await loadServer(deps.readDb, idParams.parse(ctx.params).id);
  });

  r.get('/api/haproxy/servers/:id/history', async (ctx) => {
    const { id: serverId } = idParams.parse(ctx.params);
    const q = historyQuery.parse(ctx.query);
    await loadServer(deps.readDb, serverId);
    ctx.body = { history: await statusHistory(readsOf(ctx, deps.readDb), serverId, q) };
  });

  // The server page's timeline: admin and operational states as spans (the history, as states over time).
  r.get('/api/haproxy/servers/:id/timeline', async (ctx) => {
    const { id: serverId } = idParams.parse(ctx.params);
    const q = timelineQuery.parse(ctx.query);
    const now = new Date();
    const until = q.until ?? now;
    // Not before the year 0000, which the answer could not write as ISO 8601 (`-000001-...`).
    const since = q.since ?? new Date(Math.max(until.getTime() - TIMELINE_DEFAULT_MS, MIN_TIME_MS));
    if (since >= until) {
      throw badRequest('since must be before until');
    }
    await loadServer(deps.readDb, serverId);
    let changes = await stateChanges(readsOf(ctx, deps.readDb), serverId, since, until, TIMELINE_MAX_CHANGES + 1);
    // More changes than one answer holds (a flapping server): answer up to the first one left out, with that
    // `until`, rather than the whole window with its last span running on past changes it never saw.
    let answered = until;
    const inRange = changes.filter((c) => c.changed_at >= since);
    if (inRange.length > TIMELINE_MAX_CHANGES) {
      answered = inRange[TIMELINE_MAX_CHANGES].changed_at;
      changes = changes.filter((c) => c.changed_at < answered);
    }
    ctx.body = { since, until: answered, ...serverTimeline(changes, since, answered, now) };
  });

  return r;
}
