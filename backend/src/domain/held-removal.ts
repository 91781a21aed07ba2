/**
 * A removal held by the sync (sync/removal-guard.ts decides): what it would remove, since when and how often
 * it came. Kept in haproxy_instances.held_removal, shown on the instance as `suspicious_answer`.
 */
export interface RemovalHold {
  fingerprint: string;
  since: string;
  /** Syncs in a row that brought this same set of removals. */
  consecutive: number;
  required: number;
  backendIds: number[];
  serverIds: number[];
  backendsRemoved: number;
  backendsTotal: number;
  serversRemoved: number;
  serversTotal: number;
  share: number;
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
