import type { UnresolvedServer } from '../../api/types';

/** Why auto-mapping left a server unmapped, in words. */
export function unresolvedReason(u: UnresolvedServer): string {
  const key = u.address_key ? `"${u.address_key}"` : '';
  switch (u.reason) {
    case 'no_address':
      return 'HAProxy gives it no address to match';
    case 'no_host':
      return `no host has ${key} as its name or address`;
    case 'ambiguous_host':
      return `${key} matches several hosts: ${u.matched_hosts.join(', ')}`;
    case 'no_application':
      return `host ${u.matched_hosts[0] ?? ''} runs no application`;
    case 'ambiguous_application':
      return `host ${u.matched_hosts[0] ?? ''} runs several applications and none is named like backend ${u.server.backend_name}`;
    case 'next_sync':
      return 'the next sync maps it (an application was added since its last sync)';
  }
}

type Candidate = UnresolvedServer['candidates'][number];

/** A candidate's name, with its host when another candidate has the same name (names are unique per host only). */
export function candidateLabel(app: Candidate, all: readonly Candidate[]): string {
  const twin = all.some((a) => a.id !== app.id && a.name === app.name);
  return twin ? `${app.name} on ${app.host_name ?? 'no host'}` : app.name;
}
