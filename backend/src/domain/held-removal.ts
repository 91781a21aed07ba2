/**
 * A removal held by the sync (sync/removal-guard.ts decides): what it would remove, since when and how often
 * it came. Kept in haproxy_instances.held_removal, shown on the instance as `suspicious_answer`.
 */
/** What a sync's plan would remove, against what the instance has now (current, in-scope rows only). */
export interface RemovalCounts {
  backendIds: number[];
  /** Servers removed one by one (those of removed backends go with their backend). */
  serverIds: number[];
  backendsRemoved: number;
  backendsTotal: number;
  /** Every server that would go: its own removal or its backend's. */
  serversRemoved: number;
  serversTotal: number;
  /** The largest share of those compared with the limit: backends, servers, or one backend's servers. */
  share: number;
}

export interface RemovalHold extends RemovalCounts {
  /** The same set of removals gives the same fingerprint. */
  fingerprint: string;
  since: string;
  /** Syncs in a row that brought this same set of removals. */
  consecutive: number;
  required: number;
  /** Why it is held, as first assessed (a later answer with the same removals may no longer look suspicious). */
  reason: string;
  message: string;
}

/** The held removal as the API shows it on an instance (`suspicious_answer`). */
export function suspiciousAnswer(h: RemovalHold | null) {
  return (
    h && {
      since: h.since,
      consecutive: h.consecutive,
      required: h.required,
      backends_removed: h.backendsRemoved,
      backends_total: h.backendsTotal,
      servers_removed: h.serversRemoved,
      servers_total: h.serversTotal,
      share: Math.round(h.share * 1000) / 1000,
      message: h.message,
    }
  );
}
