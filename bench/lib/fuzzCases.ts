/*
 * Copyright 2026 The Istio Rollouts for Backstage Authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

// Malformed requests for every endpoint of the istio-rollouts backend,
// derived from the request schemas (requestSchemas.ts): each valid body and
// query is walked field by field and each field is deleted, retyped,
// blown up to 1 MB, pushed out of range, or given path tricks; objects get
// unknown fields. A generated case is kept only if the schema itself refuses
// it, so a case that happens to be valid cannot slip through as "malformed".
// A few cases are valid in shape but wrong in meaning (an unknown subset, an
// unknown VirtualService, weights not adding to 100, an unknown request id):
// those are marked `semantic` and must be refused by the service. Pure: no
// I/O, so ./bench/run loadSelftest can check it.

import { z } from 'zod';
import {
  auditExportQuerySchema,
  auditQuerySchema,
  createPromotionRequestSchema,
  decidePromotionRequestSchema,
  listPromotionRequestsQuerySchema,
  rejectPromotionRequestSchema,
  requestIdSchema,
  routeActionRequestSchema,
  scaleRequestSchema,
} from '../../plugins/istio-rollouts-backend/src/service/requestSchemas';

export type FuzzCase = {
  /** Which endpoint, for the summary: e.g. `POST route-actions`. */
  endpoint: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path below /api/istio-rollouts, sent byte for byte (not normalized). */
  path: string;
  /** Raw body text; sent as application/json unless contentType says otherwise. */
  body?: string;
  contentType?: string;
  /** Who sends it: the owner (default), or no / a bogus token. */
  auth?: 'owner' | 'none' | 'bogus';
  /** What is wrong, for the report. */
  what: string;
  /**
   * Valid shape, wrong meaning: refused by the service rather than the
   * schema. For writes that reach the cluster check, the refusal is
   * recorded in the audit trail as `failed` (by design), never `applied`.
   */
  semantic?: boolean;
};

export const HUGE = 'x'.repeat(1024 * 1024);
const LONG = 'a'.repeat(300);
// Stands for a JSON token that JSON.stringify cannot write (NaN, Infinity).
const RAW = '@@RAW:';
const raw = (token: string) => `${RAW}${token}@@`;
const RAW_PATTERN = /"@@RAW:([^@"]*)@@"/g;

/** JSON text of `value`, with raw() placeholders written as bare tokens. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value).replace(RAW_PATTERN, '$1');
}

/** What a server's JSON parser would make of the text (undefined: invalid JSON). */
function parsed(text: string): { ok: boolean; value?: unknown } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

type Path = Array<string | number>;

/** Every path in a JSON value, objects and arrays included, root excluded. */
export function pathsOf(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [];
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push([...prefix, i], ...pathsOf(v, [...prefix, i]));
    });
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push([...prefix, k], ...pathsOf(v, [...prefix, k]));
    }
  }
  return out;
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v));
}

/** A copy of `value` with `path` set (or deleted when `replacement` is DELETE). */
export function withPath(value: unknown, path: Path, replacement: unknown) {
  const copy: any = clone(value);
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key];
  const last = path[path.length - 1];
  if (replacement === DELETE) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else {
    node[last] = replacement;
  }
  return copy;
}
export const DELETE = Symbol('delete');

const label = (path: Path) => path.join('.') || 'body';
const describe = (v: unknown) => {
  if (v === DELETE) return 'missing';
  if (typeof v === 'string') {
    if (v.startsWith(RAW)) return v.slice(RAW.length, -2);
    if (v.length > 60) return `a ${v.length}-character string`;
    return JSON.stringify(v);
  }
  return JSON.stringify(v);
};

/** Replacement values for one field, by the type of its valid value. */
function replacementsFor(valid: unknown): unknown[] {
  const common: unknown[] = [DELETE, null, true, [], {}];
  if (typeof valid === 'number') {
    return [
      ...common,
      String(valid),
      101,
      -1,
      50.5,
      1e9,
      raw('NaN'),
      raw('Infinity'),
      raw('-Infinity'),
      raw('1e400'),
      HUGE,
    ];
  }
  if (typeof valid === 'string') {
    return [
      ...common,
      '',
      0,
      '../../etc',
      'a/b',
      'name\u0000',
      'UPPER case',
      '🙂',
      LONG,
      HUGE,
    ];
  }
  if (typeof valid === 'boolean') return [...common, 'true', 1];
  if (Array.isArray(valid))
    return [...common, 'x', [null], Array.from({ length: 50 }, () => valid[0])];
  return [...common, 'x', 1, [valid]];
}

/**
 * Field-by-field mutations of a valid JSON body, kept when `schema` refuses
 * them (or they are not valid JSON). `extra` adds hand-written bodies.
 */
export function bodyCases(args: {
  endpoint: string;
  path: string;
  schema: z.ZodTypeAny;
  valid: unknown;
}): FuzzCase[] {
  const { endpoint, path, schema, valid } = args;
  const out: FuzzCase[] = [];
  const seen = new Set<string>();
  const push = (body: string, what: string) => {
    if (seen.has(body)) return;
    const p = parsed(body);
    // The server's JSON parser would accept it and so would the schema:
    // not a malformed request. Dropped.
    if (p.ok && schema.safeParse(p.value).success) return;
    seen.add(body);
    out.push({ endpoint, method: 'POST', path, body, what });
  };
  for (const path_ of pathsOf(valid)) {
    for (const r of replacementsFor(pathValue(valid, path_))) {
      push(
        toJsonText(withPath(valid, path_, r)),
        `${label(path_)}: ${describe(r)}`,
      );
    }
  }
  // Unknown fields on every object, including prototype-looking keys.
  for (const path_ of [[] as Path, ...pathsOf(valid)]) {
    const node = path_.length ? pathValue(valid, path_) : valid;
    if (!node || typeof node !== 'object' || Array.isArray(node)) continue;
    for (const key of ['unexpected', '__proto__', 'constructor']) {
      const copy: any = clone(valid);
      const target = path_.length ? pathValue(copy, path_) : copy;
      Object.defineProperty(target, key, {
        value: { polluted: true },
        enumerable: true,
        writable: true,
        configurable: true,
      });
      push(toJsonText(copy), `${label(path_)}: unknown field '${key}'`);
    }
  }
  // Whole-body shapes.
  for (const [body, what] of [
    ['', 'empty body'],
    ['null', 'null'],
    ['[]', 'an array'],
    ['"text"', 'a string'],
    ['42', 'a number'],
    ['{', 'truncated JSON'],
    ['{"a":1,}', 'trailing comma'],
    [toJsonText({ pad: HUGE }), '1 MB JSON object'],
    [`[${'['.repeat(5000)}${']'.repeat(5000)}]`, '5,000 nested arrays'],
  ] as const) {
    push(body, what);
  }
  out.push({
    endpoint,
    method: 'POST',
    path,
    body: toJsonText(valid).replace(/"/g, "'"),
    contentType: 'application/json',
    what: 'single-quoted JSON',
  });
  out.push({
    endpoint,
    method: 'POST',
    path,
    body: 'target=x&operation=y',
    contentType: 'application/x-www-form-urlencoded',
    what: 'form-encoded body',
  });
  out.push({
    endpoint,
    method: 'POST',
    path,
    body: toJsonText(valid),
    contentType: 'text/plain',
    what: 'valid JSON sent as text/plain (not parsed: no body)',
  });
  return out;
}

function pathValue(value: any, path: Path): unknown {
  return path.reduce((node, key) => node?.[key], value);
}

/** Query-string mutations, kept when `schema` refuses the parsed query. */
export function queryCases(args: {
  endpoint: string;
  path: string;
  schema: z.ZodTypeAny;
  params: Record<string, string[]>;
  /** Hand-written query strings whose refusal is the service's job. */
  semantic?: Array<[string, string]>;
}): FuzzCase[] {
  const { endpoint, path, schema, params } = args;
  const out: FuzzCase[] = [];
  const tried = new Set<string>();
  const push = (query: string, what: string, parsedQuery: unknown) => {
    if (tried.has(query)) return;
    tried.add(query);
    if (parsedQuery !== undefined && schema.safeParse(parsedQuery).success)
      return;
    out.push({ endpoint, method: 'GET', path: `${path}?${query}`, what });
  };
  for (const [name, values] of Object.entries(params)) {
    for (const v of values) {
      push(`${name}=${encodeURIComponent(v)}`, `${name}=${describe(v)}`, {
        [name]: v,
      });
    }
    // Express's query parser turns these into arrays and objects.
    push(`${name}=1&${name}=2`, `${name} given twice`, { [name]: ['1', '2'] });
    push(`${name}[a]=b`, `${name} as an object`, { [name]: { a: 'b' } });
  }
  push('unknown=1', 'unknown parameter', { unknown: '1' });
  // (`__proto__[x]=1` is not here: Express's query parser drops it, so the
  // request is a valid one without parameters.)
  push(
    `${Object.keys(params)[0]}=${'b'.repeat(8000)}`,
    `${Object.keys(params)[0]}: an 8,000-character value`,
    { [Object.keys(params)[0]]: 'b'.repeat(8000) },
  );
  for (const [query, what] of args.semantic ?? []) {
    out.push({
      endpoint,
      method: 'GET',
      path: `${path}?${query}`,
      what,
      semantic: true,
    });
  }
  return out;
}

/** The valid request bodies the mutations start from. */
export function validBodies(target: {
  cluster: string;
  namespace: string;
  virtualService: string;
  route: string;
  host: string;
  subsets: [string, string];
}) {
  const t = {
    cluster: target.cluster,
    namespace: target.namespace,
    virtualService: target.virtualService,
    route: target.route,
  };
  const weights = [
    { host: target.host, subset: target.subsets[0], weight: 90 },
    { host: target.host, subset: target.subsets[1], weight: 10 },
  ];
  return {
    routeAction: {
      target: t,
      operation: { type: 'set-weights', weights },
      reason: 'fuzz',
    },
    scale: {
      cluster: target.cluster,
      namespace: target.namespace,
      deployment: `${target.host}-${target.subsets[1]}`,
      replicas: 1,
    },
    createRequest: {
      target: t,
      change: { type: 'set-weights', weights },
      reason: 'fuzz',
    },
    decide: { reason: 'fuzz' },
  };
}

const ENTITY = 'default/component';

/**
 * Every case for every endpoint of router.ts. `entity` is a demo
 * component that exists and `target` its VirtualService's route.
 */
export function fuzzCases(options: {
  entity: string;
  target: Parameters<typeof validBodies>[0];
}): FuzzCase[] {
  const { entity, target } = options;
  const valid = validBodies(target);
  const base = `/entities/${ENTITY}/${entity}`;
  const cases: FuzzCase[] = [];

  cases.push(
    ...bodyCases({
      endpoint: 'POST route-actions',
      path: `${base}/route-actions`,
      schema: routeActionRequestSchema,
      valid: valid.routeAction,
    }),
  );
  // Each operation type with a field it does not take, or missing one.
  for (const operation of [
    { type: 'start-canary' },
    { type: 'promote-next', steps: [] },
    { type: 'promote-next', steps: [50, 101] },
    { type: 'promote-full', stable: { host: 'a/b' } },
    { type: 'flip', weights: [] },
    { type: 'rollback', stable: 'v1' },
    { type: 'target-users', match: { kind: 'query', name: 'x', value: 'y' } },
    {
      type: 'target-users',
      match: { kind: 'header', name: 'bad header', value: 'y' },
      to: { host: target.host },
    },
    { type: 'remove-targeting', routeName: '' },
    { type: 'set-mirror', to: { host: target.host }, percentage: 0 },
    { type: 'set-mirror', to: { host: target.host }, percentage: 100.5 },
    { type: 'remove-mirror', percentage: 1 },
    { type: 'finish', scaleDownOld: 'yes' },
    { type: 'delete-everything' },
    { type: 'SET-WEIGHTS', weights: valid.routeAction.operation.weights },
  ]) {
    cases.push({
      endpoint: 'POST route-actions',
      method: 'POST',
      path: `${base}/route-actions`,
      body: toJsonText({ ...valid.routeAction, operation }),
      what: `operation ${JSON.stringify(operation).slice(0, 80)}`,
    });
  }
  cases.push(
    ...bodyCases({
      endpoint: 'POST scale',
      path: `${base}/scale`,
      schema: scaleRequestSchema,
      valid: valid.scale,
    }),
  );
  cases.push(
    ...bodyCases({
      endpoint: 'POST requests',
      path: `${base}/requests`,
      schema: createPromotionRequestSchema,
      valid: valid.createRequest,
    }),
  );
  for (const type of ['flip', 'rollback', 'finish', 'remove-mirror']) {
    cases.push({
      endpoint: 'POST requests',
      method: 'POST',
      path: `${base}/requests`,
      body: toJsonText({ ...valid.createRequest, change: { type } }),
      what: `change '${type}' cannot be requested`,
    });
  }
  cases.push({
    endpoint: 'POST requests',
    method: 'POST',
    path: `${base}/requests`,
    body: toJsonText({ ...valid.createRequest, reason: '   ' }),
    what: 'reason: blank',
  });

  const anId = '3f1c7a0e-8d5b-4a61-9c2e-7b4d2f0a9e11';
  for (const [action, schema, body] of [
    ['approve', decidePromotionRequestSchema, valid.decide],
    ['reject', rejectPromotionRequestSchema, valid.decide],
    ['cancel', decidePromotionRequestSchema, valid.decide],
  ] as const) {
    const endpoint = `POST requests/:id/${action}`;
    cases.push(
      ...bodyCases({
        endpoint,
        path: `/requests/${anId}/${action}`,
        schema,
        valid: body,
      }).filter(c => !['1 MB JSON object', 'trailing comma'].includes(c.what)),
    );
    for (const id of [
      'not-a-uuid',
      '..%2F..%2Faudit',
      '%00',
      'a%00b',
      '%',
      '%E0%A4%A',
      encodeURIComponent(`${anId}'; DROP TABLE promotion_requests; --`),
      anId.toUpperCase().replace(/-/g, ''),
      '1',
      '-1',
      'x'.repeat(4000),
    ]) {
      if (
        (() => {
          try {
            return requestIdSchema.safeParse(decodeURIComponent(id)).success;
          } catch {
            return false;
          }
        })()
      )
        continue;
      cases.push({
        endpoint,
        method: 'POST',
        path: `/requests/${id}/${action}`,
        body: toJsonText(body),
        what: `id ${describe(id)}`,
      });
    }
    if (action === 'reject') {
      cases.push({
        endpoint,
        method: 'POST',
        path: `/requests/${anId}/reject`,
        body: '{}',
        what: 'reason: missing (required to reject)',
      });
    }
    cases.push({
      endpoint,
      method: 'POST',
      path: `/requests/${anId}/${action}`,
      body: toJsonText(body),
      what: 'a well-formed id no request has',
      semantic: true,
    });
  }

  // Entity path parameters, on every entity endpoint.
  const badSegments: Array<[string, string]> = [
    ['..%2F..%2Fetc', '..%2F'],
    ['..', '..'],
    ['.', '.'],
    ['a%2Fb', 'encoded slash'],
    ['%00', 'encoded NUL'],
    ['re%00views', 'NUL inside'],
    ['%', 'broken percent-encoding'],
    ['%E0%A4%A', 'truncated UTF-8'],
    ['%F0%9F%99%82', 'emoji'],
    ['has%20space', 'space'],
    ['-leading', 'leading dash'],
    ['x'.repeat(64), '64 characters'],
    ['x'.repeat(5000), '5,000 characters'],
    ['%3Cscript%3E', '<script>'],
  ];
  const entityEndpoints: Array<[string, 'GET' | 'POST', string | undefined]> = [
    ['view', 'GET', undefined],
    ['history', 'GET', undefined],
    ['requests', 'GET', undefined],
    ['route-actions', 'POST', toJsonText(valid.routeAction)],
    ['scale', 'POST', toJsonText(valid.scale)],
    ['requests', 'POST', toJsonText(valid.createRequest)],
  ];
  for (const [suffix, method, body] of entityEndpoints) {
    const endpoint = `${method} ${suffix}`;
    for (const [segment, what] of badSegments) {
      for (const position of ['namespace', 'kind', 'name'] as const) {
        // One position per trick is enough for the long ones.
        if (what.includes('characters') && position !== 'name') continue;
        const parts = { namespace: 'default', kind: 'component', name: entity };
        parts[position] = segment;
        if (position === 'kind' && /^[a-zA-Z][a-zA-Z0-9]*$/.test(segment))
          continue;
        cases.push({
          endpoint,
          method,
          path: `/entities/${parts.namespace}/${parts.kind}/${parts.name}/${suffix}`,
          body,
          what: `${position}: ${what}`,
        });
      }
    }
    cases.push({
      endpoint,
      method,
      path: `/entities/default/component/a/b/${suffix}`,
      body,
      what: 'name with a literal slash',
    });
    cases.push({
      endpoint,
      method,
      path: `/entities/default/component/does-not-exist-anywhere/${suffix}`,
      body,
      what: 'an entity the catalog does not have',
      semantic: true,
    });
    for (const auth of ['none', 'bogus'] as const) {
      cases.push({
        endpoint,
        method,
        path: `${base}/${suffix}`,
        body,
        auth,
        what: auth === 'none' ? 'no token' : 'a bogus token',
      });
    }
  }

  // Query strings.
  const auditParams: Record<string, string[]> = {
    limit: ['0', '-1', '501', 'abc', '1.5', '1e3', '', 'Infinity', 'NaN'],
    cursor: ['x'.repeat(201)],
    from: ['yesterday', '2026-13-45T00:00:00Z', '1700000000', 'x'.repeat(600)],
    to: ['2026-02-30', 'now'],
    outcome: ['nope', 'APPLIED', ''],
    entityRef: ['x'.repeat(501)],
    actor: ['y'.repeat(501)],
    action: ['z'.repeat(101)],
  };
  const badCursors: Array<[string, string]> = [
    ['cursor=!!!', 'cursor: not base64'],
    ['cursor=AAAA', 'cursor: base64 of NULs'],
    [`cursor=${b64('-1')}`, 'cursor: base64 of -1'],
    [`cursor=${b64('0')}`, 'cursor: base64 of 0'],
    [`cursor=${b64('1; DROP TABLE audit')}`, 'cursor: base64 of SQL'],
    [`cursor=${b64('9'.repeat(30))}`, 'cursor: base64 of a 30-digit id'],
    [`cursor=${b64('1e3')}`, 'cursor: base64 of 1e3'],
    [`cursor=${b64('12')}%3D%3D`, 'cursor: padded base64'],
    ['cursor=%00', 'cursor: NUL'],
    ['cursor=', 'cursor: empty'],
  ];
  cases.push(
    ...queryCases({
      endpoint: 'GET audit',
      path: '/audit',
      schema: auditQuerySchema,
      params: auditParams,
      semantic: badCursors,
    }),
  );
  cases.push(
    ...queryCases({
      endpoint: 'GET history',
      path: `${base}/history`,
      schema: auditQuerySchema.pick({ limit: true, cursor: true }),
      params: { limit: auditParams.limit, cursor: auditParams.cursor },
      semantic: badCursors,
    }),
  );
  cases.push(
    ...queryCases({
      endpoint: 'GET requests',
      path: `${base}/requests`,
      schema: listPromotionRequestsQuerySchema,
      params: {
        status: ['bogus', 'pending,bogus', 'PENDING', 's'.repeat(201)],
        limit: ['0', '201', 'abc', '2.5'],
      },
    }),
  );
  cases.push(
    ...queryCases({
      endpoint: 'GET audit/export',
      path: '/audit/export',
      schema: auditExportQuerySchema,
      params: {
        format: ['xml', 'CSV', '', 'csv,ndjson'],
        outcome: ['nope'],
        from: ['yesterday'],
      },
    }).map(c =>
      // Every export case needs a format to fail on something else.
      c.path.includes('format=') ? c : { ...c, path: `${c.path}&format=csv` },
    ),
  );
  cases.push({
    endpoint: 'GET audit/export',
    method: 'GET',
    path: '/audit/export',
    what: 'format: missing',
  });
  cases.push({
    endpoint: 'GET audit/export',
    method: 'GET',
    path: '/audit/export?format=csv&limit=5',
    what: 'limit is not an export parameter',
  });

  // Methods and paths the router does not have.
  for (const [method, path] of [
    ['PUT', `${base}/route-actions`],
    ['DELETE', `${base}/view`],
    ['GET', `${base}/route-actions`],
    ['POST', '/audit'],
    ['GET', '/nothing-here'],
    ['GET', `${base}`],
  ] as const) {
    cases.push({
      endpoint: 'unknown route',
      method,
      path,
      body: method === 'GET' || method === 'DELETE' ? undefined : '{}',
      what: `${method} on a path the router does not serve`,
    });
  }

  // Valid shape, wrong meaning: the service must refuse these.
  const sw = valid.routeAction.operation.weights;
  const semanticWrites: Array<[unknown, string]> = [
    [
      {
        ...valid.routeAction,
        operation: {
          type: 'set-weights',
          weights: [
            { ...sw[0], weight: 50 },
            { ...sw[1], subset: 'v9-unknown', weight: 50 },
          ],
        },
      },
      'set-weights to a subset no DestinationRule defines',
    ],
    [
      {
        ...valid.routeAction,
        operation: {
          type: 'set-weights',
          weights: [
            { ...sw[0], weight: 60 },
            { ...sw[1], weight: 30 },
          ],
        },
      },
      'weights adding to 90',
    ],
    [
      {
        ...valid.routeAction,
        operation: {
          type: 'set-weights',
          weights: [
            { ...sw[0], weight: 100 },
            { ...sw[1], weight: 100 },
          ],
        },
      },
      'weights adding to 200',
    ],
    [
      {
        ...valid.routeAction,
        target: { ...valid.routeAction.target, virtualService: 'no-such-vs' },
      },
      'an unknown VirtualService',
    ],
    [
      {
        ...valid.routeAction,
        target: { ...valid.routeAction.target, route: 'no-such-route' },
      },
      'an unknown route name',
    ],
    [
      {
        ...valid.routeAction,
        target: { ...valid.routeAction.target, route: 999 },
      },
      'a route index past the end',
    ],
    [
      {
        ...valid.routeAction,
        target: { ...valid.routeAction.target, cluster: 'no-such-cluster' },
      },
      'an unknown cluster',
    ],
    [
      {
        ...valid.routeAction,
        target: { ...valid.routeAction.target, namespace: 'kube-system' },
      },
      "another namespace's VirtualService",
    ],
  ];
  for (const [body, what] of semanticWrites) {
    cases.push({
      endpoint: 'POST route-actions',
      method: 'POST',
      path: `${base}/route-actions`,
      body: toJsonText(body),
      what,
      semantic: true,
    });
  }
  cases.push({
    endpoint: 'POST scale',
    method: 'POST',
    path: `${base}/scale`,
    body: toJsonText({ ...valid.scale, deployment: 'no-such-deployment' }),
    what: 'an unknown Deployment',
    semantic: true,
  });
  cases.push({
    endpoint: 'POST requests',
    method: 'POST',
    path: `${base}/requests`,
    body: toJsonText({
      ...valid.createRequest,
      change: (semanticWrites[0][0] as any).operation,
    }),
    what: 'a request for a subset no DestinationRule defines',
    semantic: true,
  });
  return cases;
}

function b64(s: string) {
  return Buffer.from(s).toString('base64url');
}

/** Whether a case is refused by its endpoint's schema (for the self-test). */
export function schemaRefuses(c: FuzzCase): boolean | undefined {
  const schemas: Record<string, z.ZodTypeAny> = {
    'POST route-actions': routeActionRequestSchema,
    'POST scale': scaleRequestSchema,
    'POST requests': createPromotionRequestSchema,
    'POST requests/:id/approve': decidePromotionRequestSchema,
    'POST requests/:id/reject': rejectPromotionRequestSchema,
    'POST requests/:id/cancel': decidePromotionRequestSchema,
  };
  const schema = schemas[c.endpoint];
  if (!schema || c.body === undefined) return undefined;
  const p = parsed(c.body);
  return !p.ok || !schema.safeParse(p.value).success;
}
