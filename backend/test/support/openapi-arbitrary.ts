import fc from 'fast-check';
import { HTTP_METHODS, openapi } from './openapi';

/**
 * fast-check arbitraries for the requests openapi.yaml documents, so a new route is fuzzed as soon as it is
 * documented: values shaped by each schema (enums, bounds, formats, required fields), each one replaced now
 * and then by a hostile value (NUL and other controls, lone surrogates, glob and SQL syntax, huge or negative
 * numbers, wrong types, nesting), plus unknown fields and broken encodings.
 */
type Schema = Record<string, any>;

/** Arbitraries for named component schemas (`#/components/schemas/<name>`), used instead of the schema. */
export type Overrides = Record<string, fc.Arbitrary<unknown>>;

const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u0007\u001b[31m\r\n',
  '\ud800',
  '\udfff\ud800',
  '💥'.repeat(70),
  'x'.repeat(5000),
  "'; DROP TABLE hosts; --",
  '%',
  '_',
  '\\',
  '*',
  '**/*',
  '[',
  '[!',
  '{a,b}',
  '{1..99999}',
  '+(a|b)',
  '*a*a*a*a*a*a*a*a*b',
  '..',
  '../../etc/passwd',
  'NaN',
  '-1',
  '0',
  '1e309',
  '0x10',
  '2147483648',
  '9007199254740993',
  'true',
  'null',
  '2026-13-45T25:61:00Z',
  '<script>alert(1)</script>',
  '$__all',
  'All',
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 300 }) }
);

const hostileNumber = fc.oneof(
  fc.constantFrom(-1, 0, 0.5, 2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, 1e308, -1e308),
  fc.integer(),
  fc.double({ noNaN: true })
);

/** Any JSON value, leaning to the ones that break naive code. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) }
);

export function deref<T = Schema>(node: T): T {
  const ref = (node as { $ref?: string })?.$ref;
  if (!ref) {
    return node;
  }
  let target: any = openapi;
  for (const part of ref.replace(/^#\//, '').split('/')) {
    target = target[part];
  }
  return deref(target);
}

/** A value for a schema: mostly shaped by it, sometimes hostile. */
export function valueOf(schema: Schema, overrides: Overrides = {}, depth = 0): fc.Arbitrary<unknown> {
  const name = typeof schema.$ref === 'string' ? schema.$ref.split('/').pop()! : undefined;
  if (name && overrides[name]) {
    return overrides[name];
  }
  const shaped = shapedBy(deref(schema), overrides, depth);
  return fc.oneof({ weight: 9, arbitrary: shaped }, { weight: 1, arbitrary: hostileValue });
}

function shapedBy(s: Schema, overrides: Overrides, depth: number): fc.Arbitrary<unknown> {
  const plain = (): fc.Arbitrary<unknown> => {
    if (s.oneOf || s.anyOf) {
      return fc.oneof(...(s.oneOf ?? s.anyOf).map((x: Schema) => valueOf(x, overrides, depth + 1)));
    }
    if (s.enum) {
      return fc.constantFrom(...s.enum);
    }
    switch (s.type) {
      case 'object': {
        if (depth > 4 || !s.properties) {
          return fc.dictionary(fc.string({ maxLength: 10 }), hostileValue, { maxKeys: 3 });
        }
        const props = Object.fromEntries(
          Object.entries(s.properties as Record<string, Schema>).map(([k, v]) => [k, valueOf(v, overrides, depth + 1)])
        );
        const record = fc.record(props, { requiredKeys: s.required ?? [] });
        // Now and then a field the schema does not know (the API refuses unknown fields).
        return fc.oneof(
          { weight: 6, arbitrary: record },
          { weight: 1, arbitrary: fc.tuple(record, hostileValue).map(([r, v]) => ({ ...r, unexpected: v })) }
        );
      }
      case 'array':
        return fc.array(valueOf(s.items ?? {}, overrides, depth + 1), {
          minLength: Math.min(s.minItems ?? 0, 3),
          maxLength: Math.min(s.maxItems ?? 4, 4),
        });
      case 'string':
        if (s.format === 'date-time') {
          return fc
            .date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true })
            .map((d) => d.toISOString());
        }
        if (s.format === 'uuid') {
          return fc.uuid();
        }
        return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 40, 40) });
      case 'integer': {
        const min = s.minimum ?? -(2 ** 31);
        const max = s.maximum ?? 2 ** 31 - 1;
        // Small values find existing rows; the whole range finds the edges.
        return fc.oneof(
          { weight: 3, arbitrary: fc.integer({ min, max: Math.min(max, min + 10) }) },
          { weight: 1, arbitrary: fc.integer({ min, max }) }
        );
      }
      case 'number':
        return fc.double({ min: s.minimum ?? -1e9, max: s.maximum ?? 1e9, noNaN: true });
      case 'boolean':
        return fc.boolean();
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  };
  return s.nullable ? fc.option(plain(), { nil: null }) : plain();
}

export interface Operation {
  method: string;
  template: string;
  params: Schema[];
  body?: Schema;
}

/** Every documented operation of the /api routes, with its path and query parameters and its body's schema. */
export function apiOperations(): Operation[] {
  return Object.entries(openapi.paths).flatMap(([template, item]) =>
    template.startsWith('/api/')
      ? HTTP_METHODS.filter((m) => item[m]).map((m) => {
          const op = item[m] as Schema;
          return {
            method: m.toUpperCase(),
            template,
            params: [...((item as Schema).parameters ?? []), ...(op.parameters ?? [])].map((p: Schema) => deref(p)),
            body: op.requestBody ? deref(op.requestBody).content?.['application/json']?.schema : undefined,
          };
        })
      : []
  );
}

const asText = (v: unknown) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));
/** A lone surrogate cannot be percent-encoded (URIError): it travels as U+FFFD, as a browser would send it. */
const wellFormed = (s: string) =>
  s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

/** The path of an operation: its parameters shaped by their schemas or hostile (encoded, or broken encodings). */
export function pathOf(op: Operation, overrides: Overrides = {}): fc.Arbitrary<string> {
  const segments = op.params
    .filter((p) => p.in === 'path')
    .map((p) =>
      fc
        .oneof(
          { weight: 4, arbitrary: valueOf(p.schema, overrides).map((v) => encodeURIComponent(wellFormed(asText(v)))) },
          { weight: 1, arbitrary: fc.constantFrom('%zz', '%', '%2F', '%00', '..', '%2E%2E', '') }
        )
        .map((text) => [p.name as string, text] as const)
    );
  return fc.tuple(...segments).map((pairs) => pairs.reduce((path, [n, v]) => path.replace(`{${n}}`, v), op.template));
}

/** A query string: documented parameters (some left out), unknown ones, repeated ones, broken encodings. */
export function queryOf(op: Operation, overrides: Overrides = {}): fc.Arbitrary<string> {
  const documented = op.params
    .filter((p) => p.in === 'query')
    .map((p) =>
      fc.option(
        valueOf(p.schema, overrides).map((v) => [p.name as string, asText(v)] as const),
        { nil: undefined }
      )
    );
  const extra = fc.array(fc.tuple(fc.string({ maxLength: 8 }), hostileString), { maxLength: 2 });
  return fc
    .tuple(fc.tuple(...documented), extra, fc.constantFrom('', '', '', '&%zz', '&a[]=1&a[]=2', '&=&&'))
    .map(([pairs, more, raw]) => {
      const q = new URLSearchParams();
      for (const [k, v] of [...pairs.filter((p) => p !== undefined), ...more]) {
        q.append(k, v);
      }
      const text = q.toString() + raw;
      return text ? `?${text}` : '';
    });
}

/** A body: shaped by the schema (or hostile), as JSON; now and then not JSON at all. */
export function bodyOf(op: Operation, overrides: Overrides = {}): fc.Arbitrary<string | undefined> {
  if (!op.body) {
    return op.method === 'GET' ? fc.constant(undefined) : fc.constantFrom(undefined, '{}');
  }
  return fc.oneof(
    { weight: 8, arbitrary: valueOf(op.body, overrides).map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: fc.constantFrom('', '{', '[1,', '"\\ud800"', 'null', '{"a":1,"a":2}', '\u0000') }
  );
}

type Path = Array<string | number>;

function leafPaths(v: unknown, at: Path = []): Path[] {
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as object);
    return [at, ...entries.flatMap(([k, x]) => leafPaths(x, [...at, Array.isArray(v) ? Number(k) : k]))];
  }
  return [at];
}

function setAt(v: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) {
    return value;
  }
  const copy: any = Array.isArray(v) ? [...v] : { ...(v as object) };
  const [head, ...rest] = path;
  if (rest.length === 0 && value === undefined) {
    if (Array.isArray(copy)) {
      copy.splice(head as number, 1);
    } else {
      delete copy[head];
    }
    return copy;
  }
  copy[head] = setAt(copy[head], rest, value);
  return copy;
}

/**
 * A valid request body and its near misses: one part of it (a field, an item, the whole) left out or replaced
 * by a hostile value, or by `byKey[key]` for a field of that name. Reaches the code behind validation, which
 * bodies shaped only by the schema rarely pass (a range must go forward, ids must exist).
 */
export function nearMissesOf(valid: unknown, byKey: Record<string, fc.Arbitrary<unknown>> = {}): fc.Arbitrary<unknown> {
  const paths = leafPaths(valid);
  const replacement = (path: Path) => {
    const key = path[path.length - 1];
    return typeof key === 'string' && byKey[key] ? byKey[key] : fc.oneof(hostileValue, fc.constant(undefined));
  };
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(valid) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(...paths).chain((path) => replacement(path).map((value) => setAt(valid, path, value))),
    }
  );
}
