import { AppEvents } from '@grafana/data';
import { getAppEvents } from '@grafana/runtime';

const EVENTS = { success: AppEvents.alertSuccess, warning: AppEvents.alertWarning, error: AppEvents.alertError };

/** A Grafana toast: its title, and a detail line under it. */
export function notify(severity: keyof typeof EVENTS, title: string, detail?: string) {
  getAppEvents().publish({ type: EVENTS[severity].name, payload: detail ? [title, detail] : [title] });
}

export const notifySuccess = (title: string, detail?: string) => notify('success', title, detail);

export const notifyError = (title: string, detail?: string) => notify('error', title, detail);
