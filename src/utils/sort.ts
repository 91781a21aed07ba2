import type { Column } from '@grafana/ui';

// Numbers inside names compare as numbers: backend_2 before backend_10, edge-9 before edge-10.
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Natural order of names (backends, servers, instances, hosts, applications). */
export function compareNames(a: string, b: string): number {
  return collator.compare(a, b);
}

type SortFn<T extends object> = Extract<NonNullable<Column<T>['sortType']>, Function>;

/** An InteractiveTable column's sortType that sorts its values as names. */
export function byName<T extends object>(): SortFn<T> {
  return (a, b, id) => compareNames(String(a.values[id] ?? ''), String(b.values[id] ?? ''));
}
