import type { Db } from '../db/db';
import { mappingSources } from '../store/applications';
import type { Page } from '../store/sql';
import { searchServers, ServerRow } from '../store/servers';
import { MappingIndex, MappingReason } from '../sync/auto-mapping';

export type UnresolvedKind = 'any' | 'ambiguous' | 'unmatched';

/** A server auto-mapping could not map, with why and what a person could pick. */
export interface UnresolvedServer {
  server: ServerRow;
  /** `next_sync`: today's hosts and applications map it (one was added since its last sync). */
  reason: Exclude<MappingReason, 'mapped'> | 'next_sync';
  /** The host part of its address that was looked up. */
  address_key: string | null;
  /** Hosts that key matched (none, one without applications, or several). */
  matched_hosts: string[];
  /** Applications to choose between (one click maps the server manually). */
  /** Names repeat across hosts: each with its host's name, so that two "shop"s can be told apart. */
  candidates: Array<{ id: number; name: string; host_id: number | null; host_name: string | null }>;
}

/**
 * The servers auto-mapping left unmapped, each explained by the same rules that decided it (sync/auto-mapping.ts)
 * against today's hosts and applications.
 */
export async function unresolvedMappings(
  db: Db,
  f: { kind: UnresolvedKind; instanceId?: number },
  page: Page
): Promise<{ servers: UnresolvedServer[]; total: number }> {
  const [{ servers, total }, sources] = await Promise.all([
    searchServers(db, { unmapped: f.kind, instanceId: f.instanceId }, page),
    mappingSources(db),
  ]);
  const index = new MappingIndex(sources.hosts, sources.applications);
  const hostNames = new Map(sources.hosts.map((h) => [h.id, h.name]));
  return {
    total,
    servers: servers.map((s) => {
      const why = index.explain(s.address, s.backend_name);
      const mapped = sources.applications.filter((a) => a.id === why.applicationId);
      return {
        server: s,
        reason: why.reason === 'mapped' ? 'next_sync' : why.reason,
        address_key: why.key,
        matched_hosts: why.hosts.map((h) => h.name),
        candidates: [...mapped, ...why.candidates].map((a) => ({
          id: a.id,
          name: a.name,
          host_id: a.hostId,
          host_name: a.hostId === null ? null : (hostNames.get(a.hostId) ?? null),
        })),
      };
    }),
  };
}
