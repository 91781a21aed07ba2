import { useCallback, useState } from 'react';

/** A value remembered in localStorage (e.g. the auto-refresh interval); falls back when storage is unavailable. */
export function useLocalStorage<T>(key: string, fallback: T, isValid: (value: unknown) => value is T) {
  const [value, setValue] = useState<T>(() => {
    try {
      const raw = window.localStorage.getItem(key);
      if (raw !== null) {
        const parsed: unknown = JSON.parse(raw);
        if (isValid(parsed)) {
          return parsed;
        }
      }
    } catch {
      // unavailable or corrupt storage: use the fallback
    }
    return fallback;
  });

  const store = useCallback(
    (next: T) => {
      setValue(next);
      try {
        window.localStorage.setItem(key, JSON.stringify(next));
      } catch {
        // private mode or quota: the choice just isn't remembered
      }
    },
    [key]
  );

  return [value, store] as const;
}
