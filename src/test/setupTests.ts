import { configure } from '@testing-library/react';
import { config, setBackendSrv } from '@grafana/runtime';
import { installAppEvents, toasts } from './appEvents';
import { createTestBackendSrv } from './backendSrv';
import { resetDb } from './handlers';
import { server } from './server';
import { setUserRole } from './render';

setBackendSrv(createTestBackendSrv());

// findBy/waitFor give up after 1 s by default: too short for a real HTTP round trip plus a render of Grafana's
// components on a busy 2-core machine (CI has run 4x slower than a quiet one). A passing wait returns as soon as
// it passes, so this only bounds failures.
configure({ asyncUtilTimeout: 15000 });

// jsdom has no IntersectionObserver; @grafana/ui's Select menu only needs it to exist.
class NoopIntersectionObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}
Object.defineProperty(window, 'IntersectionObserver', {
  writable: true,
  configurable: true,
  value: NoopIntersectionObserver,
});
installAppEvents();

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
beforeEach(() => {
  resetDb();
  toasts.length = 0;
  window.localStorage.clear();
  setUserRole('Editor');
});
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

// Keep `config` referenced so tests that inspect it share the same instance.
export { config };
