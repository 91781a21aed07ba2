import type { BadgeColor } from '@grafana/ui';
import type { AdminChange, AdminChangeAction, AdminEntityKind } from '../../api/types';
import { prefixRoute, ROUTES } from '../../constants';

export const ENTITY_KIND_WORDS: Record<AdminEntityKind, string> = {
  host: 'Host',
  instance: 'Instance',
  application: 'Application',
  backend: 'Backend',
  server: 'Server',
  api_token: 'API token',
};

export const CHANGE_ACTION_BADGES: Record<AdminChangeAction, { text: string; color: BadgeColor; help: string }> = {
  created: { text: 'created', color: 'green', help: 'Registered or created' },
  updated: { text: 'updated', color: 'blue', help: 'Its settings changed (activation and polling scope too)' },
  deleted: { text: 'deleted', color: 'red', help: 'Removed from the registry' },
  budget_set: { text: 'budget set', color: 'purple', help: "A backend's or an application's disruption budget" },
  budget_cleared: {
    text: 'budget cleared',
    color: 'purple',
    help: 'Back to the default (backend) or none (application)',
  },
  mapping_set: { text: 'mapping set', color: 'blue', help: "A server's application, set or cleared by hand" },
  window_moved: {
    text: 'window moved',
    color: 'orange',
    help: "A maintenance window's end moved (set and ended ones are commands: Actions)",
  },
  restored: { text: 'restored', color: 'green', help: 'A removed backend or server brought back' },
  forgotten: { text: 'forgotten', color: 'red', help: 'A removed backend or server dropped for good' },
  revoked: { text: 'revoked', color: 'red', help: 'An API token revoked' },
};

/** After these the entity is gone: a link would lead to "not found". */
const GONE: ReadonlySet<AdminChangeAction> = new Set(['deleted', 'forgotten']);

/** The app page of a change's entity, where there is one (a backend has none of its own). */
export function entityHref(change: AdminChange): string | undefined {
  if (GONE.has(change.action)) {
    return undefined;
  }
  const id = change.entity_id;
  switch (change.entity_kind) {
    case 'host':
      return `${prefixRoute(ROUTES.Hosts)}/${id}`;
    case 'instance':
      return `${prefixRoute(ROUTES.HAProxy)}?instance=${id}`;
    case 'application':
      return `${prefixRoute(ROUTES.Applications)}/${id}`;
    case 'server':
      return `${prefixRoute(ROUTES.Servers)}/${id}`;
    case 'api_token':
      return prefixRoute(ROUTES.Tokens);
    default:
      return undefined;
  }
}

/** A field's value as a line shows it: text as it is, the rest as JSON (lists, numbers, flags); absent as "—". */
export function formatFieldValue(value: unknown): string {
  if (value === null || value === undefined) {
    return '—';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export interface FieldChange {
  field: string;
  /** Absent: a creation (nothing before) */
  before?: string;
  /** Absent: a deletion (nothing after) */
  after?: string;
}

/** The fields a change names, in the order the backend wrote them, with their values before and after. */
export function fieldChanges(change: AdminChange): FieldChange[] {
  const fields = [...new Set([...Object.keys(change.before ?? {}), ...Object.keys(change.after ?? {})])];
  return fields.map((field) => ({
    field,
    before: change.before ? formatFieldValue(change.before[field]) : undefined,
    after: change.after ? formatFieldValue(change.after[field]) : undefined,
  }));
}

/** One field in a line: `field: old → new`, or just its value for a creation or a deletion. */
export function fieldChangeText({ field, before, after }: FieldChange): string {
  if (before === undefined) {
    return `${field}: ${after}`;
  }
  if (after === undefined) {
    return `${field}: ${before}`;
  }
  return `${field}: ${before} → ${after}`;
}
