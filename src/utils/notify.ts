import { AppEvents } from '@grafana/data';
import { getAppEvents } from '@grafana/runtime';

export function notifySuccess(title: string, detail?: string) {
  getAppEvents().publish({ type: AppEvents.alertSuccess.name, payload: detail ? [title, detail] : [title] });
}

export function notifyError(title: string, detail?: string) {
  getAppEvents().publish({ type: AppEvents.alertError.name, payload: detail ? [title, detail] : [title] });
}

export function notifyWarning(title: string, detail?: string) {
  getAppEvents().publish({ type: AppEvents.alertWarning.name, payload: detail ? [title, detail] : [title] });
}
