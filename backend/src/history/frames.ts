import type { ServerStatus } from '../domain/status';
import { COUNT_ORDER, SEVERITY_ORDER, STATUS_COLOR } from './status';

/** Grafana's DataFrameJSON (what `dataFrameFromJSON` reads): a schema and the values column by column. */
export type FieldType = 'time' | 'number' | 'string' | 'boolean';

export interface FieldSchema {
  name: string;
  type: FieldType;
  labels?: Record<string, string>;
  config: Record<string, unknown>;
}

export interface DataFrameJSON {
  schema: {
    name: string;
    refId: string;
    meta?: Record<string, unknown>;
    fields: FieldSchema[];
  };
  data: { values: unknown[][] };
}

export type Value = number | string | boolean | null;

/** A series of one server: labels for legends and a unique name. */
export interface SeriesKey {
  key: number;
  /** The instance's host: instance names are unique per host only. */
  host?: string;
  instance: string;
  backend: string;
  server?: string;
}

/** Each series' `[instance, backend, server?]`, the instance as `host/instance` where another host has one so named. */
function seriesParts(series: readonly SeriesKey[]): string[][] {
  const hosts = new Map<string, Set<string | undefined>>();
  for (const s of series) {
    hosts.set(s.instance, (hosts.get(s.instance) ?? new Set()).add(s.host));
  }
  return series.map((s) => [
    hosts.get(s.instance)!.size > 1 ? `${s.host}/${s.instance}` : s.instance,
    s.backend,
    ...(s.server === undefined ? [] : [s.server]),
  ]);
}

/**
 * Display names as short as the set allows: the server alone within one backend, backend/server within
 * one instance, else instance/backend/server.
 */
export function displayNames(series: readonly SeriesKey[]): string[] {
  const parts = seriesParts(series);
  const instances = new Set(parts.map(([instance]) => instance));
  const backends = new Set(parts.map(([instance, backend]) => `${instance}\u0000${backend}`));
  return parts.map((p) => {
    const drop =
      p.length === 2 ? (instances.size === 1 ? 1 : 0) : backends.size === 1 ? 2 : instances.size === 1 ? 1 : 0;
    return p.slice(drop).join('/');
  });
}

const labelsOf = (s: SeriesKey) => ({
  instance: s.instance,
  backend: s.backend,
  ...(s.server === undefined ? {} : { server: s.server }),
});

/** Value mappings so the state timeline and tables colour each status the same way everywhere. */
export const STATUS_MAPPINGS = [
  {
    type: 'value',
    options: Object.fromEntries(COUNT_ORDER.map((s, index) => [s, { color: STATUS_COLOR[s], index, text: s }])),
  },
];

/**
 * A wide frame: one time column and one field per series, rows at every time any series has a point
 * (null where a series has none). `points` maps series key -> time -> value.
 */
export function wideFrame(o: {
  name: string;
  refId: string;
  series: readonly SeriesKey[];
  points: Map<number, Map<number, Value>>;
  type: FieldType;
  config: Record<string, unknown>;
  /** Display name suffix, e.g. " (sum)". */
  suffix?: string;
  /**
   * Points are changes (state timeline): each row carries a series' latest value forward, so a null only
   * ever means "no data" (before its first point, or an explicit gap).
   */
  carry?: boolean;
  meta?: Record<string, unknown>;
}): DataFrameJSON {
  const times = new Set<number>();
  for (const byTime of o.points.values()) {
    for (const t of byTime.keys()) {
      times.add(t);
    }
  }
  const sorted = [...times].sort((a, b) => a - b);
  const names = displayNames(o.series);
  const fieldNames = seriesParts(o.series).map((p) => p.join('/'));
  return {
    schema: {
      name: o.name,
      refId: o.refId,
      ...(o.meta ? { meta: o.meta } : {}),
      fields: [
        { name: 'time', type: 'time', config: {} },
        ...o.series.map((s, i) => ({
          name: fieldNames[i],
          type: o.type,
          labels: labelsOf(s),
          config: { ...o.config, displayName: names[i] + (o.suffix ?? '') },
        })),
      ],
    },
    data: {
      values: [
        sorted,
        ...o.series.map((s) =>
          o.carry ? carried(sorted, o.points.get(s.key)) : sorted.map((t) => o.points.get(s.key)?.get(t) ?? null)
        ),
      ],
    },
  };
}

function carried(times: readonly number[], points: Map<number, Value> | undefined): Value[] {
  let last: Value = null;
  return times.map((t) => {
    const v = points?.get(t);
    if (v !== undefined) {
      last = v;
    }
    return last;
  });
}

/** A status change of one server; null = it went away (removed, or its backend was). */
export interface Change {
  t: number;
  status: ServerStatus | null;
}

/** The more severe of two states for a bucket; being away is the mildest (any status seen beats it). */
function worse(a: ServerStatus | null, b: ServerStatus | null): ServerStatus | null {
  if (a === null) {
    return b;
  }
  if (b === null) {
    return a;
  }
  return SEVERITY_ORDER.indexOf(a) >= SEVERITY_ORDER.indexOf(b) ? a : b;
}

/**
 * State-timeline points of one server from its status changes: the worst state of each epoch-aligned
 * bucket of `intervalMs` (so a short DOWN inside a wide bucket stays visible), emitted only where it
 * changes. `initial` is the state before `from` (its last change before the range, or null).
 * At most one point per bucket, and only buckets that hold a change (or follow one) cost anything.
 */
export function timelinePoints(
  initial: ServerStatus | null,
  changes: readonly Change[],
  fromMs: number,
  toMs: number,
  intervalMs: number
): Map<number, Value> {
  const out = new Map<number, Value>();
  let last: Value = null;
  const emit = (t: number, v: Value) => {
    if (v !== last) {
      out.set(t, v);
    }
    last = v;
  };
  let current = initial;
  let i = 0;
  let bucket = Math.floor(fromMs / intervalMs) * intervalMs;
  while (bucket < toMs) {
    const end = bucket + intervalMs;
    // The state before the bucket counts only if it lasted into the bucket.
    let value = i < changes.length && changes[i].t <= bucket ? null : current;
    for (; i < changes.length && changes[i].t < end; i++) {
      value = worse(value, changes[i].status);
      current = changes[i].status;
    }
    emit(bucket, value);
    if (end >= toMs) {
      break;
    }
    // Up to the next bucket with a change, the state is `current`.
    emit(end, current);
    if (i >= changes.length) {
      break;
    }
    bucket = Math.max(end, Math.floor(changes[i].t / intervalMs) * intervalMs);
  }
  return out;
}

/** Servers per status over time: one number field per status, coloured like the state timeline. */
export function statusCountsFrame(
  refId: string,
  rows: ReadonlyArray<{ t: number; counts: Record<ServerStatus, number> }>,
  meta: Record<string, unknown>
): DataFrameJSON {
  return {
    schema: {
      name: 'Servers by status',
      refId,
      meta,
      fields: [
        { name: 'time', type: 'time', config: {} },
        ...COUNT_ORDER.map((s) => ({
          name: s,
          type: 'number' as const,
          config: {
            displayName: s,
            unit: 'none',
            decimals: 0,
            min: 0,
            color: { mode: 'fixed', fixedColor: STATUS_COLOR[s] },
          },
        })),
      ],
    },
    data: { values: [rows.map((r) => r.t), ...COUNT_ORDER.map((s) => rows.map((r) => r.counts[s]))] },
  };
}

/** A table frame from columns given in order. */
export function tableFrame(
  name: string,
  refId: string,
  columns: ReadonlyArray<{ name: string; type: FieldType; config?: Record<string, unknown>; values: Value[] }>,
  meta?: Record<string, unknown>
): DataFrameJSON {
  return {
    schema: {
      name,
      refId,
      ...(meta ? { meta } : {}),
      fields: columns.map((c) => ({ name: c.name, type: c.type, config: c.config ?? {} })),
    },
    data: { values: columns.map((c) => c.values) },
  };
}
