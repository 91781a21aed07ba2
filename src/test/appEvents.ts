import { setAppEvents } from '@grafana/runtime';

/** Toasts the plugin published (Grafana shows them; tests read them here). */
export const toasts: Array<{ type: string; payload: unknown[] }> = [];

export function installAppEvents() {
  const bus = {
    publish: (event: { type: string; payload?: unknown }) => {
      toasts.push({ type: event.type, payload: (event.payload as unknown[]) ?? [] });
    },
    subscribe: () => ({ unsubscribe: () => {} }),
    getStream: () => ({ subscribe: () => ({ unsubscribe: () => {} }) }),
    removeAllListeners: () => {},
    newScopedBus: () => bus,
  };
  setAppEvents(bus as any);
}
