import { useCallback, useEffect, useState } from 'react';
import { type ApiError, asApiError } from '../api/errors';

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | undefined;
  /** True only while there is nothing to show yet for this key; refreshes keep the previous data on screen. */
  loading: boolean;
  reload: () => void;
  /** Local update after a mutation, without a refetch. */
  setData: (update: (previous: T | undefined) => T | undefined) => void;
}

export interface ResourceOptions {
  /** When false nothing is loaded (lazy resources, e.g. a collapsed instance). Defaults to true. */
  enabled?: boolean;
  /** Reload every refreshMs milliseconds; 0 or undefined turns auto-refresh off. */
  refreshMs?: number;
}

interface State<T> {
  data?: T;
  error?: ApiError;
  /** The key the data and error belong to. */
  loadedKey?: string;
}

/**
 * The one place that turns an API call into state: first load, reload, optional polling, and protection
 * against out-of-order answers (an answer is kept only if it belongs to the current key and no newer
 * request of the same effect was sent since). `load` must be stable for a given `key` (useCallback).
 */
export function useResource<T>(load: () => Promise<T>, key: string, options: ResourceOptions = {}): Resource<T> {
  const { enabled = true, refreshMs = 0 } = options;
  const [state, setState] = useState<State<T>>({});
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    if (!enabled) {
      return;
    }
    let active = true;
    let latest = 0;
    const fetchOnce = () => {
      const mine = ++latest;
      load().then(
        (data) => {
          if (active && mine === latest) {
            setState({ data, loadedKey: key });
          }
        },
        (err: unknown) => {
          if (active && mine === latest) {
            setState((s) => ({
              data: s.loadedKey === key ? s.data : undefined,
              error: asApiError(err),
              loadedKey: key,
            }));
          }
        }
      );
    };
    fetchOnce();
    const timer = refreshMs > 0 ? setInterval(fetchOnce, refreshMs) : undefined;
    return () => {
      active = false;
      if (timer) {
        clearInterval(timer);
      }
    };
  }, [enabled, key, load, refreshMs, reloads]);

  const reload = useCallback(() => setReloads((n) => n + 1), []);
  const setData = useCallback((update: (previous: T | undefined) => T | undefined) => {
    setState((s) => ({ ...s, data: update(s.data) }));
  }, []);

  const current = state.loadedKey === key;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    loading: enabled && !current,
    reload,
    setData,
  };
}
