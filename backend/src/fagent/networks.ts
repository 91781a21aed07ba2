import { BlockList, isIP } from 'node:net';

/** The networks FAgents may be reached in (HAPROXY_FAGENT_ALLOWED_NETWORKS), IPv4 and IPv6. */
export interface AllowedNetworks {
  /** The CIDRs as configured, for messages. */
  readonly cidrs: readonly string[];
  allows(address: string): boolean;
}

/** Why one CIDR entry is not usable, or undefined when it is (`10.0.0.0/8`, `fd00::/8`, or one address). */
export function cidrProblem(cidr: string): string | undefined {
  const [address, prefix, ...rest] = cidr.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) {
    return `"${cidr}" is not an IPv4 or IPv6 network (e.g. 10.0.0.0/8, fd00::/8)`;
  }
  if (prefix !== undefined) {
    const bits = family === 4 ? 32 : 128;
    if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > bits) {
      return `"${cidr}" has a prefix length outside 0..${bits}`;
    }
  }
  return undefined;
}

/** Builds the allow-list from entries already checked with `cidrProblem`. */
export function allowedNetworks(cidrs: readonly string[]): AllowedNetworks {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address, prefix] = cidr.split('/');
    const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    list.addSubnet(address, prefix === undefined ? (type === 'ipv4' ? 32 : 128) : Number(prefix), type);
  }
  return {
    cidrs: [...cidrs],
    // BlockList also matches an IPv4-mapped IPv6 address (::ffff:10.0.0.1) against the IPv4 entries.
    allows: (address) => {
      const family = isIP(address);
      return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}
