import { dateTimeParse } from '@grafana/data';
import type { AgentCommand, CommandOptions, WeightSetting } from '../../api/types';

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

/** Only drain and maint can have a window: at its end the server returns to ready. */
export function takesWindow(command: AgentCommand): boolean {
  return command === 'drain' || command === 'maint';
}

/** HAProxy's limits (the agent refuses others): an absolute weight, or a share of the configured one. */
export const MAX_WEIGHT = 256;
export const MAX_WEIGHT_PERCENT = 100;

/**
 * The weight typed in the confirmation ("50", "50%", " 050 % "), as the API takes it ("50" -> 50, "050%" ->
 * "50%": the backend's guard knows a weight of 0 by its canonical form), or why it cannot be sent.
 */
export function parseWeight(text: string): { weight: WeightSetting } | { problem: string } {
  const typed = text.trim();
  if (!typed) {
    return { problem: `Enter a weight: 0 to ${MAX_WEIGHT}, or a percentage of the configured weight such as 50%` };
  }
  const match = /^(\d{1,6})\s*(%?)$/.exec(typed);
  if (!match) {
    return { problem: `A weight is a whole number from 0 to ${MAX_WEIGHT}, or a percentage such as 50% ("${typed}")` };
  }
  const value = Number(match[1]);
  if (match[2]) {
    return value <= MAX_WEIGHT_PERCENT
      ? { weight: `${value}%` }
      : { problem: `A percentage of the configured weight is at most ${MAX_WEIGHT_PERCENT}% (${value}% now)` };
  }
  return value <= MAX_WEIGHT ? { weight: value } : { problem: `A weight is at most ${MAX_WEIGHT} (${value} now)` };
}

/**
 * What the confirmation's form holds; `until` is the date-time input's value (`2025-01-01T14:30`), a wall-clock
 * time in Grafana's time zone, the one every time of the page (the window's end too) is shown in.
 */
export interface CommandForm {
  /** The weight command's value as typed. */
  weight: string;
  reason: string;
  window: WindowChoice;
  until: string;
  /** Past a disruption budget: needs a reason, audited as forced. */
  force: boolean;
}

export const EMPTY_FORM: CommandForm = { weight: '', reason: '', window: 'none', until: '', force: false };

export type FormField = 'weight' | 'reason' | 'until';

/** The date-time input's value, seconds when the browser adds them. */
const UNTIL_FORMAT = 'YYYY-MM-DDTHH:mm:ss';

/**
 * The command's options from the form, or the field that cannot be sent as it is. Whether an end time is too
 * far or already past is the backend's to say (its 400 is shown as it words it).
 */
export function toCommandOptions(
  form: CommandForm,
  command: AgentCommand
): { options: CommandOptions } | { field: FormField; problem: string } {
  const weight = command === 'weight' ? parseWeight(form.weight) : undefined;
  if (weight && 'problem' in weight) {
    return { field: 'weight', problem: weight.problem };
  }
  const reason = form.reason.trim();
  if (reason.length > REASON_MAX) {
    return { field: 'reason', problem: `At most ${REASON_MAX} characters (${reason.length} now)` };
  }
  if (form.force && !reason) {
    return { field: 'reason', problem: 'Forcing past a disruption budget needs a reason (it is audited as forced)' };
  }
  const options: CommandOptions = {
    ...(weight ? { weight: weight.weight } : {}),
    ...(reason ? { reason } : {}),
    ...(form.force ? { force: true } : {}),
  };
  if (!takesWindow(command) || form.window === 'none') {
    return { options };
  }
  const duration = DURATIONS_S[form.window];
  if (duration !== undefined) {
    return { options: { ...options, duration_s: duration } };
  }
  const end = form.until ? dateTimeParse(form.until, { format: UNTIL_FORMAT }) : undefined;
  if (!end?.isValid()) {
    return { field: 'until', problem: 'Choose when the window ends' };
  }
  return { options: { ...options, until: end.toISOString() } };
}
