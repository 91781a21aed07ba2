import type Router from '@koa/router';
import { createApp } from '../../src/api/app';
import type { ApiDeps } from '../../src/api/deps';
import type { TokenStore } from '../../src/auth/tokens';
import { metricsOnApiPort } from '../../src/metrics/http';
import type { ServiceMetrics } from '../../src/metrics/service-metrics';
import { assertDocumented, HTTP_METHODS, openapi, templateOf, toJsonSchema } from '../support/openapi';

const json = new Headers({ 'content-type': 'application/json; charset=utf-8' });
const T = '2026-01-31T12:00:00.000Z';
const host = {
  id: 1,
  name: 'h',
  address: '10.0.0.1',
  fagent_url: 'http://h:9000',
  is_active: true,
  has_fagent_token: false,
  instance_count: 0,
  created_at: T,
  updated_at: T,
};
const application = { id: 1, name: 'shop', host_id: null, host_name: null, server_count: 0, created_at: T };

describe('the document', () => {
  test('describes exactly the routes the app serves', () => {
    // The routers need their deps only when a request comes in.
    const app = createApp({} as ApiDeps, { metrics: metricsOnApiPort({} as ServiceMetrics, {} as TokenStore) });
    const served = new Set<string>();
    for (const mw of app.middleware as Array<{ router?: Router }>) {
      for (const layer of mw.router?.stack ?? []) {
        for (const method of layer.methods.filter((m) => m !== 'HEAD')) {
          served.add(`${method} ${String(layer.path).replace(/:(\w+)/g, '{$1}')}`);
        }
      }
    }
    const documented = new Set<string>();
    for (const [path, item] of Object.entries(openapi.paths)) {
      for (const method of HTTP_METHODS) {
        if (item[method]) {
          documented.add(`${method.toUpperCase()} ${path}`);
        }
      }
    }
    expect([...documented].sort()).toEqual([...served].sort());
  });

  test('is OpenAPI 3.0.3 with bearer auth on every /api operation and /metrics, and none on the probes', () => {
    expect(openapi.openapi).toBe('3.0.3');
    expect(openapi.components.securitySchemes).toEqual({
      bearerAuth: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    });
    expect(openapi.security).toEqual([{ bearerAuth: [] }]);
    for (const [path, item] of Object.entries(openapi.paths)) {
      for (const method of HTTP_METHODS) {
        const op = item[method] as { security?: unknown[]; responses: Record<string, unknown> } | undefined;
        if (!op) {
          continue;
        }
        if (path.startsWith('/api/') || path === '/metrics') {
          expect([path, op.security]).toEqual([path, undefined]);
          expect([path, op.responses['401']]).toEqual([path, { $ref: '#/components/responses/Unauthorized' }]);
        } else {
          expect([path, op.security]).toEqual([path, []]);
        }
      }
    }
  });

  test('every error response uses the one Error schema', () => {
    const errorContent = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
    for (const [path, item] of Object.entries(openapi.paths)) {
      for (const method of HTTP_METHODS) {
        const responses =
          (item[method] as { responses?: Record<string, { $ref?: string; content?: unknown }> } | undefined)
            ?.responses ?? {};
        for (const [status, r] of Object.entries(responses)) {
          if (Number(status) < 400) {
            continue;
          }
          const resolved = r.$ref ? openapi.components.responses[r.$ref.split('/').pop()!] : r;
          expect([method, path, status, resolved?.content]).toEqual([method, path, status, errorContent]);
        }
      }
    }
  });
});

describe('the checker', () => {
  test('maps concrete paths to templates', () => {
    expect(templateOf('/api/hosts/7')).toBe('/api/hosts/{id}');
    expect(templateOf('/api/haproxy/servers/abc/history?limit=1')).toBe('/api/haproxy/servers/{id}/history');
    expect(templateOf('/api/haproxy/commands/bulk')).toBe('/api/haproxy/commands/bulk');
    expect(templateOf('/api/hosts/7/extra')).toBeUndefined();
  });

  test('turns OpenAPI nullable into JSON Schema', () => {
    expect(toJsonSchema({ type: 'string', nullable: true })).toEqual({ type: ['string', 'null'] });
    expect(toJsonSchema({ type: 'string', enum: ['a'], nullable: true })).toEqual({
      type: ['string', 'null'],
      enum: ['a', null],
    });
    expect(toJsonSchema({ $ref: '#/components/schemas/Id', nullable: true })).toEqual({
      anyOf: [{ $ref: 'openapi#/components/schemas/Id' }, { type: 'null' }],
    });
  });

  test('accepts a documented, well-formed response and null where nullable', () => {
    expect(assertDocumented('GET', '/api/hosts/1', { status: 200, body: host, headers: json })).toBe('/api/hosts/{id}');
    expect(() =>
      assertDocumented('PATCH', '/api/applications/1', { status: 200, body: application, headers: json })
    ).not.toThrow();
    expect(() => assertDocumented('DELETE', '/api/hosts/1', { status: 204, body: undefined })).not.toThrow();
    expect(() =>
      assertDocumented('GET', '/api/hosts/x', {
        status: 400,
        body: { error: { code: 'bad_request', message: 'id: bad' } },
        headers: json,
      })
    ).not.toThrow();
  });

  test.each([
    ['an extra property', { ...host, token: 'secret' }, /must NOT have additional properties.*token/],
    ['a missing required property', { ...host, name: undefined }, /must have required property 'name'/],
    ['null where not nullable', { ...host, address: null }, /\/address must be string/],
    ['a wrong type', { ...host, id: '1' }, /\/id must be integer/],
    [
      'a date that is not a date-time',
      { ...host, created_at: '31/01/2026' },
      /\/created_at must match format "date-time"/,
    ],
  ])('rejects %s', (_what, body, message) => {
    expect(() => assertDocumented('GET', '/api/hosts/1', { status: 200, body, headers: json })).toThrow(message);
  });

  test('rejects a wrong enum value, an out-of-shape error and a wrong nullable enum', () => {
    expect(() =>
      assertDocumented('GET', '/api/me', {
        status: 200,
        body: { token_name: 't', role: 'root', actor: 'x' },
        headers: json,
      })
    ).toThrow(/\/role must be equal to one of the allowed values/);
    expect(() =>
      assertDocumented('GET', '/api/hosts/1', { status: 404, body: { error: 'not found' }, headers: json })
    ).toThrow(/\/error must be object/);
    expect(() =>
      assertDocumented('GET', '/api/hosts/1', {
        status: 404,
        body: { error: { code: 'not_found', message: 'x', stack: 'at x' } },
        headers: json,
      })
    ).toThrow(/additional properties/);
    expect(() =>
      assertDocumented('GET', '/api/applications/1', {
        status: 200,
        body: { ...application, host_id: 'none' },
        headers: json,
      })
    ).toThrow(/\/host_id must be integer,null/);
  });

  test('rejects undocumented routes, statuses, bodies and content types', () => {
    expect(() => assertDocumented('GET', '/api/nope', { status: 200, body: {} })).toThrow(
      /GET \/api\/nope -> 200: route not documented/
    );
    expect(() => assertDocumented('PUT', '/api/hosts', { status: 405, body: {} })).toThrow(/route not documented/);
    expect(() => assertDocumented('GET', '/api/hosts/1', { status: 500, body: {}, headers: json })).toThrow(
      /status 500 not documented for GET \/api\/hosts\/\{id\} \(documented: 200, 400, 401, 404, 503\)/
    );
    expect(() => assertDocumented('DELETE', '/api/hosts/1', { status: 204, body: { ok: true } })).toThrow(
      /documented without a body/
    );
    expect(() =>
      assertDocumented('GET', '/api/hosts/1', {
        status: 200,
        body: host,
        headers: new Headers({ 'content-type': 'text/plain' }),
      })
    ).toThrow(/content-type text\/plain/);
  });
});
