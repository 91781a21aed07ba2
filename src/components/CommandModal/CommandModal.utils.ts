import type { CommandOptions, ServerCommand } from '../../api/types';

/** The backend refuses longer reasons (400). */
export const REASON_MAX = 500;

/** How long a maintenance window lasts: none, a preset duration, or until a chosen time. */
export const WINDOW_CHOICES = ['none', '30m', '1h', '4h', 'until'] as const;
export type WindowChoice = (typeof WINDOW_CHOICES)[number];

export const WINDOW_LABELS: Record<WindowChoice, string> = {
  none: 'None',
  '30m': '30 min',
  '1h': '1 h',
  '4h': '4 h',
  until: 'Until a time',
};

const DURATIONS_S: Partial<Record<WindowChoice, number>> = { '30m': 1800, '1h': 3600, '4h': 4 * 3600 };

/** Only what takes a server out can have a window: at its end the server returns to ready. */
export function takesWindow(command: ServerCommand): boolean {
  return command === 'drain' || command === 'maint';
}

/** What the confirmation's form holds; `until` is the date-time input's value (local time, `2025-01-01T14:30`). */
export interface CommandForm {
  reason: string;
  window: WindowChoice;
  until: string;
  /** Past a disruption budget: needs a reason, audited as forced. */
  force: boolean;
}

export const EMPTY_FORM: CommandForm = { reason: '', window: 'none', until: '', force: false };

export type FormField = 'reason' | 'until';

/**
 * The command's options from the form, or the field that cannot be sent as it is. Whether an end time is too
 * far or already past is the backend's to say (its 400 is shown as it words it).
 */
export function toCommandOptions(
  form: CommandForm,
  command: ServerCommand
): { options: CommandOptions } | { field: FormField; problem: string } {
  const reason = form.reason.trim();
  if (reason.length > REASON_MAX) {
    return { field: 'reason', problem: `At most ${REASON_MAX} characters (${reason.length} now)` };
  }
  if (form.force && !reason) {
    return { field: 'reason', problem: 'Forcing past a disruption budget needs a reason (it is audited as forced)' };
  }
  const options: CommandOptions = { ...(reason ? { reason } : {}), ...(form.force ? { force: true } : {}) };
  if (!takesWindow(command) || form.window === 'none') {
    return { options };
  }
  const duration = DURATIONS_S[form.window];
  if (duration !== undefined) {
    return { options: { ...options, duration_s: duration } };
  }
  const end = form.until ? new Date(form.until) : undefined;
  if (!end || Number.isNaN(end.getTime())) {
    return { field: 'until', problem: 'Choose when the window ends' };
  }
  return { options: { ...options, until: end.toISOString() } };
}
