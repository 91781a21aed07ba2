/**
 * Counts as the pages write them. No @grafana/data here: modules that tests load outside a browser (the
 * Playwright specs' fixtures, through utils/guard.ts) import it, and @grafana/data needs `window`.
 */

// The plugin's UI is English: counts read 200,000 whatever the browser's locale.
const COUNT = new Intl.NumberFormat('en-US');

/** A count with thousands separators (200,000). */
export function formatCount(value: number): string {
  return COUNT.format(value);
}

/** A number that may be missing (weight, sessions), with thousands separators. */
export function formatNumber(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : formatCount(value);
}

/** "1 backend", "2,000 backends". */
export function formatPlural(count: number, noun: string): string {
  return `${formatCount(count)} ${noun}${count === 1 ? '' : 's'}`;
}
