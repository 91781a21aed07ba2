import { dateTimeFormat, dateTimeFormatTimeAgo } from '@grafana/data';

export function formatTime(iso: string | null | undefined): string {
  return iso ? dateTimeFormat(iso) : '—';
}

export function formatAgo(iso: string | null | undefined): string {
  return iso ? dateTimeFormatTimeAgo(iso) : 'never';
}

export function formatNumber(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : String(value);
}
