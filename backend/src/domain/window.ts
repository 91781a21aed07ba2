/** Maintenance windows: a drain or maint with an end, when the server returns to ready (source `schedule`). */

export const WINDOW_MAX_MS = 30 * 24 * 3600 * 1000;
export const WINDOW_MIN_DURATION_S = 60;
export const WINDOW_MAX_DURATION_S = WINDOW_MAX_MS / 1000;

/** A window's end as a caller gives it: a time, or a duration from now (not both). */
export interface WindowInput {
  until?: Date;
  durationS?: number;
}

/**
 * When the window ends, or why it cannot: `until` must be in the future and at most 30 days ahead; a
 * duration (checked at the edge: 60 s to 30 days) counts from `now`. undefined: no window asked.
 */
export function windowEnd(w: WindowInput, now: Date): { end: Date } | { problem: string } | undefined {
  if (w.until !== undefined && w.durationS !== undefined) {
    return { problem: 'give until or duration_s, not both' };
  }
  if (w.durationS !== undefined) {
    return { end: new Date(now.getTime() + w.durationS * 1000) };
  }
  if (w.until === undefined) {
    return undefined;
  }
  if (w.until.getTime() <= now.getTime()) {
    return { problem: 'until must be in the future' };
  }
  if (w.until.getTime() - now.getTime() > WINDOW_MAX_MS) {
    return { problem: 'until must be at most 30 days ahead' };
  }
  return { end: w.until };
}
