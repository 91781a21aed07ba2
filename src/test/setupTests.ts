import { config, setBackendSrv } from '@grafana/runtime';
import { installAppEvents, toasts } from './appEvents';
import { createTestBackendSrv } from './backendSrv';
import { resetDb } from './handlers';
import { server } from './server';
import { setUserRole } from './render';

setBackendSrv(createTestBackendSrv());
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
