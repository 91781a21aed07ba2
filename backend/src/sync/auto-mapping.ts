import { isIP, SocketAddress } from 'node:net';
import { valuesFingerprint } from './fingerprint';

export interface MappingHost {
  id: number;
  name: string;
  address: string;
}

export interface MappingApplication {
  id: number;
  name: string;
  hostId: number | null;
}

export interface MappingDecision {
  applicationId: number | null;
  /** Why nothing was mapped when that is worth telling the user (ambiguity); null otherwise. */
  note: string | null;
}

/** What auto-mapping concluded for an address, and why. */
export type MappingReason =
  'mapped' | 'no_address' | 'no_host' | 'ambiguous_host' | 'no_application' | 'ambiguous_application';

export interface MappingExplanation extends MappingDecision {
  reason: MappingReason;
  /** The host part of the address that was looked up (null without an address). */
  key: string | null;
  /** The hosts it matched. */
  hosts: MappingHost[];
  /** Applications a person could pick between (the ambiguous cases); empty otherwise. */
  candidates: MappingApplication[];
}

/**
 * What HAProxy's `show stat` shows as the address of a server on a unix socket (`unix@/path` reads `unix`), and
 * the words of its other socket families: no host at all, so never mapped to a host whose name starts so.
 */
const SOCKET_ADDRESSES: ReadonlySet<string> = new Set(['unix', 'abns', 'sockpair']);

/** The host part of a server address: port stripped; an IP whole, a DNS name's first label. */
export function hostKey(address: string): string | null {
  let host = address.trim();
  if (host === '') {
    return null;
  }
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (bracketed) {
    host = bracketed[1];
  } else if ((host.match(/:/g) ?? []).length === 1) {
    host = host.slice(0, host.indexOf(':'));
  }
  if (host === '') {
    return null;
  }
  const family = isIP(host);
  if (family === 6) {
    // One spelling per address (HAProxy prints inet_ntop's): a host registered as 2001:DB8:0::1 is 2001:db8::1.
    return new SocketAddress({ address: host, family: 'ipv6' }).address;
  }
  if (family === 4) {
    return host;
  }
  return host.split('.')[0].toLowerCase() || null;
}

/**
 * Index of hosts and applications for auto-mapping (docs/design.md), made deterministic: a key that
 * matches several hosts, or a host with several applications that the backend name does not single out,
 * maps to nothing and says why.
 */
export class MappingIndex {
  private readonly hostsByKey = new Map<string, MappingHost[]>();
  private readonly appsByHost = new Map<number, MappingApplication[]>();
  /** Of the hosts and applications it was made from: a sync whose answer and index did not change maps nothing anew. */
  readonly fingerprint: string;

  constructor(hosts: readonly MappingHost[], applications: readonly MappingApplication[]) {
    const byId = <T extends { id: number }>(xs: readonly T[]) => [...xs].sort((x, y) => x.id - y.id);
    this.fingerprint = valuesFingerprint([
      ...byId(hosts).flatMap((h) => [h.id, h.name, h.address]),
      -1,
      ...byId(applications).flatMap((a) => [a.id, a.name, a.hostId]),
    ]);
    for (const h of hosts) {
      const keys = new Set([hostKey(h.name), hostKey(h.address)].filter((k): k is string => k !== null));
      for (const k of keys) {
        const list = this.hostsByKey.get(k) ?? [];
        list.push(h);
        this.hostsByKey.set(k, list);
      }
    }
    for (const a of applications) {
      if (a.hostId === null) {
        continue;
      }
      const list = this.appsByHost.get(a.hostId) ?? [];
      list.push(a);
      this.appsByHost.set(a.hostId, list);
    }
  }

  resolve(address: string, backendName: string): MappingDecision {
    const { applicationId, note } = this.explain(address, backendName);
    return { applicationId, note };
  }

  /** The decision with its reason and the candidates a person could choose from (the review of unmapped servers). */
  explain(address: string, backendName: string): MappingExplanation {
    const key = SOCKET_ADDRESSES.has(address.trim()) ? null : hostKey(address);
    const unmapped = (reason: MappingReason, hosts: MappingHost[] = [], candidates: MappingApplication[] = []) => ({
      applicationId: null,
      note: null,
      reason,
      key,
      hosts,
      candidates,
    });
    if (!key) {
      return unmapped('no_address');
    }
    const hosts = this.hostsByKey.get(key) ?? [];
    if (hosts.length === 0) {
      return unmapped('no_host');
    }
    if (hosts.length > 1) {
      const names = hosts
        .map((h) => h.name)
        .sort()
        .join(', ');
      return {
        ...unmapped(
          'ambiguous_host',
          hosts,
          hosts.flatMap((h) => this.appsByHost.get(h.id) ?? [])
        ),
        note: `ambiguous: "${key}" matches hosts ${names}`,
      };
    }
    const host = hosts[0];
    const apps = this.appsByHost.get(host.id) ?? [];
    if (apps.length === 0) {
      return unmapped('no_application', hosts);
    }
    if (apps.length === 1) {
      return { ...unmapped('mapped', hosts), applicationId: apps[0].id };
    }
    // The application named exactly as the backend; else the one named so in another case (`Shop` for `shop`).
    const exact = apps.filter((a) => a.name === backendName);
    const byBackend = exact.length ? exact : apps.filter((a) => a.name.toLowerCase() === backendName.toLowerCase());
    if (byBackend.length === 1) {
      return { ...unmapped('mapped', hosts), applicationId: byBackend[0].id };
    }
    const names = apps
      .map((a) => a.name)
      .sort()
      .join(', ');
    return {
      ...unmapped('ambiguous_application', hosts, apps),
      note: `ambiguous: host ${host.name} runs applications ${names}`,
    };
  }
}
