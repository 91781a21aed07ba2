/**
 * Pure partition planning: which time ranges each partitioned table needs, what they are called, and
 * which ones retention drops. Ranges are aligned to the UTC epoch (days start at 00:00 UTC).
 */
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export interface PartitionedTable {
  table: string;
  timeColumn: string;
  /** Width of one partition. */
  partitionMs: number;
}

export const floorTo = (ms: number, stepMs: number) => Math.floor(ms / stepMs) * stepMs;

/** `haproxy_metric_samples_p2026013112`: the range's start in UTC, to the hour. */
export function partitionName(table: string, startMs: number): string {
  const iso = new Date(startMs).toISOString(); // 2026-01-31T12:00:00.000Z
  return `${table}_p${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}`;
}

/** The range start encoded in a partition's name, or undefined for names that are not ours (e.g. `_default`). */
export function partitionStart(table: string, name: string): number | undefined {
  const m = new RegExp(`^${table}_p(\\d{4})(\\d{2})(\\d{2})(\\d{2})$`).exec(name);
  if (!m) {
    return undefined;
  }
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]));
}

/** Range starts that must exist: from the one holding `now - retention` up to the one holding `now + ahead`. */
export function wantedStarts(nowMs: number, retentionMs: number, aheadMs: number, partitionMs: number): number[] {
  const out: number[] = [];
  for (
    let t = floorTo(nowMs - retentionMs, partitionMs);
    t <= floorTo(nowMs + aheadMs, partitionMs);
    t += partitionMs
  ) {
    out.push(t);
  }
  return out;
}

/** Partitions whose whole range ends at or before the cutoff: they hold only expired rows. */
export function expiredStarts(existing: readonly number[], partitionMs: number, cutoffMs: number): number[] {
  return existing.filter((start) => start + partitionMs <= cutoffMs).sort((a, b) => a - b);
}
