import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, toApiError } from '../api/client';

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | undefined;
  /** True only while there is nothing to show yet; background refreshes keep the previous data on screen. */
  loading: boolean;
  /** True during any request, first load or refresh. */
  fetching: boolean;
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

/**
 * The one place that turns an API call into state: first load, reload, optional polling, and protection
 * against out-of-order answers (only the latest request may write its result).
 */
export function useResource<T>(load: () => Promise<T>, key: string, options: ResourceOptions = {}): Resource<T> {
  const { enabled = true, refreshMs = 0 } = options;
  const [state, setState] = useState<{ data?: T; error?: ApiError; fetching: boolean; loadedKey?: string }>({
    fetching: enabled,
  });
  const requestId = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const run = useCallback(() => {
    const id = ++requestId.current;
    setState((s) => ({ ...s, fetching: true }));
    loadRef
      .current()
      .then((data) => {
        if (id === requestId.current) {
          setState({ data, error: undefined, fetching: false, loadedKey: key });
        }
      })
      .catch((err: unknown) => {
        if (id === requestId.current) {
          setState((s) => ({ ...s, error: toApiError(err), fetching: false, loadedKey: key }));
        }
      });
  }, [key]);

  useEffect(() => {
    if (!enabled) {
      return;
    }
    run();
    return () => {
      // Answers to requests of a previous key or an unmounted component are ignored.
      requestId.current++;
    };
  }, [enabled, run]);

  useEffect(() => {
    if (!enabled || !refreshMs) {
      return;
    }
    const timer = setInterval(run, refreshMs);
    return () => clearInterval(timer);
  }, [enabled, refreshMs, run]);

  const setData = useCallback((update: (previous: T | undefined) => T | undefined) => {
    setState((s) => ({ ...s, data: update(s.data) }));
  }, []);

  const current = state.loadedKey === key;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    loading: enabled && (!current || (state.fetching && state.data === undefined && state.error === undefined)),
    fetching: state.fetching,
    reload: run,
    setData,
  };
}
