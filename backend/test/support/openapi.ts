import fs from 'node:fs';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import YAML from 'yaml';
import { OPENAPI_PATH } from '../../src/service';
import type { TestService } from './service';

type Json = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Json>>;
  components: {
    schemas: Record<string, Json>;
    responses: Record<string, Json>;
    parameters: Record<string, Json>;
    securitySchemes: Json;
  };
  security?: Array<Record<string, string[]>>;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

export const openapi: OpenApiDocument = YAML.parse(fs.readFileSync(OPENAPI_PATH, 'utf8'));

/** Every schema is registered under this id, so `$ref`s resolve from any compiled response schema. */
const DOC_ID = 'openapi';

/**
 * OpenAPI 3.0 schema -> JSON Schema: `nullable: true` becomes `null` in `type` / `enum` (or an anyOf for a
 * bare `$ref`), and local refs point into the registered document.
 */
export function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) {
    return node.map(toJsonSchema);
  }
  if (node === null || typeof node !== 'object') {
    return node;
  }
  const { nullable, ...rest } = node as Json;
  const out: Json = {};
  for (const [k, v] of Object.entries(rest)) {
    out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `${DOC_ID}${v}` : toJsonSchema(v);
  }
  if (nullable !== true) {
    return out;
  }
  if (out.type === undefined && out.enum === undefined) {
    return { anyOf: [out, { type: 'null' }] };
  }
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null'];
  }
  if (Array.isArray(out.enum)) {
    out.enum = [...out.enum, null];
  }
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: DOC_ID, components: { schemas: toJsonSchema(openapi.components.schemas) } });

/** `#/components/responses/X` and the like, for refs outside schemas. */
function deref<T>(node: T): T {
  const ref = (node as { $ref?: string }).$ref;
  if (!ref) {
    return node;
  }
  let target: unknown = openapi;
  for (const part of ref.replace(/^#\//, '').split('/')) {
    target = (target as Json)[part];
  }
  if (target === undefined) {
    throw new Error(`openapi.yaml: unresolved $ref ${ref}`);
  }
  return deref(target as T);
}

const templates = Object.keys(openapi.paths).map((template) => ({
  template,
  regex: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));

/**
 * The documented path template a concrete path falls under (`/api/hosts/7` -> `/api/hosts/{id}`); a path
 * documented as it is (`/api/hosts/test`) is its own template, as a router tries static routes first.
 */
export function templateOf(path: string): string | undefined {
  const bare = path.split('?')[0];
  return openapi.paths[bare] ? bare : templates.find((t) => t.regex.test(bare))?.template;
}

export function operationOf(method: string, template: string): Json | undefined {
  return openapi.paths[template]?.[method.toLowerCase()];
}

/** Documented statuses of one operation. */
export function statusesOf(method: string, template: string): number[] {
  return Object.keys((operationOf(method, template)?.responses as Json) ?? {}).map(Number);
}

/** How a documented response is checked: a JSON schema, another media type, or no body at all. */
type BodyCheck = { json: ValidateFunction } | { mediaType: string } | 'empty';
const checks = new Map<string, BodyCheck>();

function checkFor(method: string, template: string, status: number): BodyCheck | undefined {
  const key = `${method} ${template} ${status}`;
  if (checks.has(key)) {
    return checks.get(key);
  }
  const responses = operationOf(method, template)?.responses as Json | undefined;
  const response = responses?.[String(status)];
  if (!response) {
    return undefined;
  }
  const content = (deref(response) as { content?: Record<string, { schema: unknown }> }).content;
  const json = content?.['application/json']?.schema;
  const check: BodyCheck = json
    ? { json: ajv.compile(toJsonSchema(json) as object) }
    : content
      ? { mediaType: Object.keys(content)[0] }
      : 'empty';
  checks.set(key, check);
  return check;
}

/**
 * openapi.yaml's one rule that is not per operation: any /api route may answer 503 `database_unavailable`
 * (components.responses.DatabaseUnavailable), and only with that code.
 */
function databaseUnavailable(template: string, res: ResponseLike): BodyCheck | undefined {
  const code = (res.body as { error?: { code?: string } } | undefined)?.error?.code;
  if (res.status !== 503 || !template.startsWith('/api/') || code !== 'database_unavailable') {
    return undefined;
  }
  const key = 'DatabaseUnavailable';
  if (!checks.has(key)) {
    const response = deref({ $ref: `#/components/responses/${key}` }) as unknown as {
      content: Record<string, { schema: unknown }>;
    };
    const schema = response.content['application/json'].schema;
    checks.set(key, { json: ajv.compile(toJsonSchema(schema) as object) });
  }
  return checks.get(key);
}

/** `METHOD template status` of every response checked in this test file. */
export const checkedResponses = new Set<string>();

export interface ResponseLike {
  status: number;
  body: unknown;
  headers?: Headers;
}

/**
 * Throws a readable error unless the response is documented in openapi.yaml for this method and path
 * (concrete or template) and its body matches the documented schema. Returns the template it matched.
 */
export function assertDocumented(method: string, path: string, res: ResponseLike): string {
  const m = method.toUpperCase();
  const template = templateOf(path);
  const where = `${m} ${path} -> ${res.status}`;
  const body = JSON.stringify(res.body)?.slice(0, 800);
  if (!template || !operationOf(m, template)) {
    throw new Error(`${where}: route not documented in openapi.yaml\nbody: ${body}`);
  }
  const check = checkFor(m, template, res.status) ?? databaseUnavailable(template, res);
  if (check === undefined) {
    throw new Error(
      `${where}: status ${res.status} not documented for ${m} ${template} (documented: ${statusesOf(m, template).join(', ')})\nbody: ${body}`
    );
  }
  const contentType = res.headers?.get('content-type');
  if (check === 'empty') {
    if (res.body !== undefined && res.body !== '') {
      throw new Error(`${where}: documented without a body, got ${body}`);
    }
  } else if ('mediaType' in check) {
    if (res.headers && !contentType?.startsWith(check.mediaType)) {
      throw new Error(`${where}: content-type ${contentType}, expected ${check.mediaType}`);
    }
  } else {
    if (res.headers && !contentType?.startsWith('application/json')) {
      throw new Error(`${where}: content-type ${contentType}, expected application/json`);
    }
    if (!check.json(res.body)) {
      const problems = (check.json.errors ?? []).map(
        (e) => `  ${e.instancePath || '(root)'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`
      );
      throw new Error(
        `${where}: body does not match openapi.yaml (${m} ${template} ${res.status}):\n${problems.join('\n')}\nbody: ${body}`
      );
    }
  }
  checkedResponses.add(`${m} ${template} ${res.status}`);
  return template;
}

/** The service with every `call` checked against openapi.yaml; `rawCall` skips the check (undocumented on purpose). */
export type CheckedService = TestService & { rawCall: TestService['call'] };

export function checked(t: TestService): CheckedService {
  const rawCall = t.call.bind(t);
  return {
    ...t,
    rawCall,
    async call(method, path, opts) {
      const res = await rawCall(method, path, opts);
      assertDocumented(method, path, res);
      return res;
    },
  };
}
