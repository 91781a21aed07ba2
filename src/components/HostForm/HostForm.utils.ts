import type { AgentTestRequest, Host, HostInput } from '../../api/types';

/** What the host form holds: as typed, nothing normalised (the backend trims and checks). */
export interface HostFormValues {
  name: string;
  address: string;
  fagentUrl: string;
  /** A newly typed agent token ('' = none typed). */
  token: string;
  /** The saved token was reset with the field's "Reset". */
  tokenReset: boolean;
  isActive: boolean;
  /** Instance names "Test agent" reads, comma-separated ('' = the saved host's instances). */
  testInstances: string;
}

export function initialHostValues(host?: Host): HostFormValues {
  return {
    name: host?.name ?? '',
    address: host?.address ?? '',
    fagentUrl: host?.fagent_url ?? '',
    token: '',
    tokenReset: false,
    isActive: host?.is_active ?? true,
    testInstances: '',
  };
}

/**
 * The agent URL text differs from the saved one (trimmed, as the backend stores it): it is sent. Whether it names
 * another agent is the backend's call (the same agent written otherwise keeps its token).
 */
export const urlChanged = (host: Host | undefined, v: HostFormValues) =>
  host !== undefined && v.fagentUrl.trim() !== host.fagent_url;

/**
 * Whether the saved token is kept unless replaced: the field shows it as configured. Under a changed URL the
 * backend keeps it only for the same agent, and refuses the URL of another one without a token of its own.
 */
export const savedTokenApplies = (host: Host | undefined, v: HostFormValues) =>
  Boolean(host?.has_fagent_token) && !v.tokenReset;

/**
 * The body to send: a new host as typed; for a saved one only what changed. A changed URL without a typed token
 * or a reset leaves the token to the backend: kept for the same agent spelt otherwise, refused (400 under the URL)
 * for another agent, which the saved token must not reach. With no token saved, a changed URL says "none".
 */
export function hostRequest(host: Host | undefined, v: HostFormValues): Partial<HostInput> {
  if (!host) {
    return {
      name: v.name,
      address: v.address,
      fagent_url: v.fagentUrl,
      is_active: v.isActive,
      ...(v.token ? { fagent_token: v.token } : {}),
    };
  }
  const changes: Partial<HostInput> = {};
  if (v.name !== host.name) {
    changes.name = v.name;
  }
  if (v.address !== (host.address ?? '')) {
    changes.address = v.address;
  }
  if (urlChanged(host, v)) {
    changes.fagent_url = v.fagentUrl;
  }
  if (v.isActive !== host.is_active) {
    changes.is_active = v.isActive;
  }
  if (v.token) {
    changes.fagent_token = v.token;
  } else if (host.has_fagent_token ? v.tokenReset : urlChanged(host, v)) {
    changes.fagent_token = null;
  }
  return changes;
}

/** Names typed for "Test agent": comma-separated, blanks and repeats dropped (one result row per instance). */
export const instanceNamesOf = (text: string) => [
  ...new Set(
    text
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean)
  ),
];

/**
 * "Test agent" as the form stands: the typed URL and token, or the saved host's id, whose token the backend sends
 * only to the agent it was saved for.
 */
export function agentTestRequest(host: Host | undefined, v: HostFormValues): AgentTestRequest {
  const names = instanceNamesOf(v.testInstances);
  return {
    fagent_url: v.fagentUrl,
    ...(v.token ? { fagent_token: v.token } : savedTokenApplies(host, v) ? {} : { fagent_token: null }),
    ...(host ? { host_id: host.id } : {}),
    ...(names.length > 0 ? { instances: names } : {}),
  };
}
