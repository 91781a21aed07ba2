import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';

/**
 * A page's filters as URL query parameters, so a view can be shared and survives a reload: each key is a parameter,
 * read by its parser (null when absent).
 */
export type FilterParams<F> = { [K in keyof F]: (raw: string | null) => F[K] };

export type FilterUpdate<F> = (changes: Partial<F>) => void;

const NO_RESETS: readonly never[] = [];

/** A parameter as text; absent reads as ''. */
export const textParam = (raw: string | null): string => raw ?? '';

/** The largest id the backend takes (PostgreSQL int): a larger one in a URL would be its 400 instead of the list. */
const MAX_ID = 2_147_483_647;

/** A positive integer (a page number: one past the end goes to the last page); anything else reads as undefined. */
function positiveIntParam(raw: string | null): number | undefined {
  const value = raw === null ? NaN : Number(raw);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

/** An id: a positive integer the backend can hold; anything else reads as undefined (no filter). */
export function idParam(raw: string | null): number | undefined {
  const value = positiveIntParam(raw);
  return value !== undefined && value <= MAX_ID ? value : undefined;
}

/** The backend refuses an `offset` above this in every list it pages (backend/src/api/validation.ts). */
export const MAX_OFFSET = 10_000_000;

/**
 * A page number of a list paged by offset, `pageSize` rows a page: a positive integer, at most the furthest page the
 * backend serves (a larger one from a URL would be its 400 instead of the list).
 */
export function pageParam(pageSize: number) {
  const furthest = Math.floor(MAX_OFFSET / pageSize) + 1;
  return (raw: string | null): number | undefined => {
    const page = positiveIntParam(raw);
    return page === undefined ? undefined : Math.min(page, furthest);
  };
}

/** One of a fixed set of values; anything else reads as `fallback`. */
export function oneOfParam<V extends string, D extends V | undefined = undefined>(values: readonly V[], fallback?: D) {
  return (raw: string | null): V | D => values.find((v) => v === raw) ?? (fallback as D);
}

/**
 * The one hook for filters kept in the URL (react-router's search params, replaced rather than pushed so the back
 * button leaves the page instead of undoing keystrokes). A value equal to what an absent parameter reads as is
 * left out of the URL, so the default view has a clean URL. `resets` are parameters cleared whenever another one
 * changes (a page number: new filters start on page 1). Pass module constants: they key the parsed filters.
 */
export function useUrlFilters<F extends object>(
  params: FilterParams<F>,
  resets: ReadonlyArray<keyof F & string> = NO_RESETS
): [F, FilterUpdate<F>] {
  const [searchParams, setSearchParams] = useSearchParams();

  const filters = useMemo(() => {
    const out = {} as F;
    for (const key of Object.keys(params) as Array<keyof F & string>) {
      out[key] = params[key](searchParams.get(key));
    }
    return out;
  }, [params, searchParams]);

  const update = useCallback<FilterUpdate<F>>(
    (changes) =>
      setSearchParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          for (const [key, value] of Object.entries(changes) as Array<[keyof F & string, F[keyof F]]>) {
            const absent = params[key](null);
            if (value === undefined || value === null || value === '' || value === absent) {
              next.delete(key);
            } else {
              next.set(key, String(value));
            }
          }
          for (const key of resets) {
            if (!(key in changes)) {
              next.delete(key);
            }
          }
          return next;
        },
        { replace: true }
      ),
    [params, resets, setSearchParams]
  );

  return [filters, update];
}
