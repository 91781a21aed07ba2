import { useCallback, useEffect, useRef, useState } from 'react';
import { type ApiError, asApiError } from '../api/errors';

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | undefined;
  /** True only while there is nothing to show yet for this key; refreshes keep the previous data on screen. */
  loading: boolean;
  /** When the data on screen was answered (ms since the epoch); undefined before the first answer. */
  updatedAt: number | undefined;
  /** True while a refresh has been running for longer than the refresh interval: the data on screen is late. */
  stale: boolean;
  /** Load again now, or right after the load that is running (never two at once). */
  reload: () => void;
  /** Local update after a mutation, without a refetch. */
  setData: (update: (previous: T | undefined) => T | undefined) => void;
}

export interface ResourceOptions<T = unknown> {
  /** When false nothing is loaded (lazy resources, e.g. a collapsed instance). Defaults to true. */
  enabled?: boolean;
  /** Reload refreshMs milliseconds after the previous load finished; 0 or undefined turns auto-refresh off. */
  refreshMs?: number;
  /**
   * While a new key loads, go on showing the data of the previous one (`loading` says the new one is coming): a
   * filter or page change then does not blank the list it changes.
   */
  keepPrevious?: boolean;
  /**
   * True of an answer (or error) after which nothing changes any more (a finished job, one gone): auto-refresh
   * stops there, and a reload still asks again.
   */
  settled?: (data: T | undefined, error: ApiError | undefined) => boolean;
}

interface State<T> {
  data?: T;
  error?: ApiError;
  /** The key the data and error belong to. */
  loadedKey?: string;
  updatedAt?: number;
  /** The running refresh has outlived the interval. */
  overdue?: boolean;
}

type Timer = ReturnType<typeof setTimeout>;

/**
 * The one place that turns an API call into state: first load, reload, optional auto-refresh. At most one load of
 * a key runs at a time: the next refresh is scheduled when the previous one has finished, and a reload asked for
 * meanwhile runs after it. So a backend slower than the interval still gets every answer shown (a timer that
 * cancelled and restarted a slow load would never show one); an answer is dropped only when the key changed or the
 * component unmounted. `load` must be stable for a given `key` (useCallback).
 */
export function useResource<T>(load: () => Promise<T>, key: string, options: ResourceOptions<T> = {}): Resource<T> {
  const { enabled = true, refreshMs = 0, keepPrevious = false, settled } = options;
  const [state, setState] = useState<State<T>>({});
  const interval = useRef(refreshMs);
  const controls = useRef<{ reload: () => void; reschedule: () => void }>(undefined);

  useEffect(() => {
    if (!enabled) {
      return;
    }
    let active = true;
    let running = false;
    let reloadAfter = false;
    let next: Timer | undefined;
    let overdue: Timer | undefined;

    const schedule = () => {
      clearTimeout(next);
      next = !running && interval.current > 0 ? setTimeout(run, interval.current) : undefined;
    };
    const run = () => {
      clearTimeout(next);
      running = true;
      reloadAfter = false;
      if (interval.current > 0) {
        overdue = setTimeout(
          () => setState((s) => (s.loadedKey === key ? { ...s, overdue: true } : s)),
          interval.current
        );
      }
      load().then(
        (data) => finish(() => ({ data, loadedKey: key, updatedAt: Date.now() })),
        (err: unknown) =>
          finish((s) => {
            const same = s.loadedKey === key;
            // A failed refresh keeps what was shown, with the error beside it.
            return {
              data: same ? s.data : undefined,
              updatedAt: same ? s.updatedAt : undefined,
              error: asApiError(err),
              loadedKey: key,
            };
          })
      );
    };
    const finish = (update: (previous: State<T>) => State<T>) => {
      running = false;
      clearTimeout(overdue);
      if (!active) {
        return;
      }
      setState(update);
      if (reloadAfter) {
        run();
      } else {
        schedule();
      }
    };

    controls.current = {
      reload: () => {
        if (running) {
          reloadAfter = true;
        } else {
          run();
        }
      },
      reschedule: schedule,
    };
    run();
    return () => {
      active = false;
      clearTimeout(next);
      clearTimeout(overdue);
      controls.current = undefined;
    };
  }, [enabled, key, load]);

  const current = state.loadedKey === key;
  const refreshEvery = current && settled?.(state.data, state.error) ? 0 : refreshMs;
  // A new interval applies from the next wait; it neither cancels nor repeats the load that is running.
  useEffect(() => {
    interval.current = refreshEvery;
    controls.current?.reschedule();
  }, [refreshEvery]);

  const reload = useCallback(() => controls.current?.reload(), []);
  const setData = useCallback((update: (previous: T | undefined) => T | undefined) => {
    setState((s) => ({ ...s, data: update(s.data) }));
  }, []);

  return {
    data: current || keepPrevious ? state.data : undefined,
    error: current ? state.error : undefined,
    loading: enabled && !current,
    updatedAt: current ? state.updatedAt : undefined,
    stale: current && Boolean(state.overdue),
    reload,
    setData,
  };
}
