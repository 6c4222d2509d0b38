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

import { applyJsonPatch } from '../write/__testUtils__/applyJsonPatch';
import { RouteOperation } from '../write/types';
import {
  planHttpRouteChange,
  snapshotHttpRouteRule,
} from './planHttpRouteChange';

// An HTTPRoute as the API server returns it (defaults filled in), with a
// field the plugin never writes (timeouts) that must survive every change.
function inventory(rules?: unknown[]): any {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'inventory', namespace: 'demo', resourceVersion: '41' },
    spec: {
      parentRefs: [
        { group: '', kind: 'Service', name: 'inventory', port: 8080 },
      ],
      rules: rules ?? [
        {
          name: 'main',
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          timeouts: { request: '5s' },
          backendRefs: [
            {
              group: '',
              kind: 'Service',
              name: 'inventory-v1',
              port: 8080,
              weight: 90,
            },
            {
              group: '',
              kind: 'Service',
              name: 'inventory-v2',
              port: 8080,
              weight: 10,
            },
          ],
        },
      ],
    },
  };
}

function single(): any {
  const route = inventory();
  route.spec.rules[0].backendRefs = [
    { group: '', kind: 'Service', name: 'inventory-v1', port: 8080, weight: 1 },
  ];
  return route;
}

function planned(route: any, operation: unknown, rule: number | string = 0) {
  const result = planHttpRouteChange({
    httpRoute: route,
    route: rule,
    operation: operation as RouteOperation,
  });
  if (!result.ok)
    throw new Error(`refused: ${result.status} ${result.message}`);
  return { plan: result, applied: applyJsonPatch(route, result.patch) as any };
}

function refused(route: any, operation: unknown, rule: number | string = 0) {
  const result = planHttpRouteChange({
    httpRoute: route,
    route: rule,
    operation: operation as RouteOperation,
  });
  if (result.ok) throw new Error('planned, expected a refusal');
  return result;
}

const weights = (route: any, rule = 0) =>
  route.spec.rules[rule].backendRefs.map((b: any) => [b.name, b.weight]);

describe('planHttpRouteChange', () => {
  it('promotes step by step on backendRefs weights, pinning the version and each backendRef', () => {
    const { plan, applied } = planned(inventory(), { type: 'promote-next' });
    expect(weights(applied)).toEqual([
      ['inventory-v1', 75],
      ['inventory-v2', 25],
    ]);
    expect(plan.patch.filter(p => p.op === 'test').map(p => p.path)).toEqual([
      '/metadata/resourceVersion',
      '/spec/rules/0/name',
      '/spec/rules/0/backendRefs/0',
      '/spec/rules/0/backendRefs/1',
    ]);
    expect(plan.patch.filter(p => p.op !== 'test')).toEqual([
      { op: 'replace', path: '/spec/rules/0/backendRefs/0/weight', value: 75 },
      { op: 'replace', path: '/spec/rules/0/backendRefs/1/weight', value: 25 },
    ]);
    expect(plan.before).toEqual({
      index: 0,
      name: 'main',
      destinations: [
        { host: 'inventory-v1', port: 8080, weight: 90 },
        { host: 'inventory-v2', port: 8080, weight: 10 },
      ],
    });
    expect(plan.after.destinations.map(d => d.weight)).toEqual([75, 25]);
    expect(applied.spec.rules[0].timeouts).toEqual({ request: '5s' });
  });

  it('refuses the patch when a concurrent writer changed a weight (the test op fails)', () => {
    const { plan } = planned(inventory(), { type: 'promote-full' });
    const raced = inventory();
    raced.spec.rules[0].backendRefs[1].weight = 50;
    expect(() => applyJsonPatch(raced, plan.patch)).toThrow(/test failed/);
  });

  it('reads weights as proportions, missing ones as 1 (Gateway API default)', () => {
    const route = inventory();
    delete route.spec.rules[0].backendRefs[0].weight;
    delete route.spec.rules[0].backendRefs[1].weight;
    // 1/1 is a canary at 50%: the next step is 100, never 10.
    const { applied } = planned(route, { type: 'promote-next' });
    expect(weights(applied)).toEqual([
      ['inventory-v1', 0],
      ['inventory-v2', 100],
    ]);
  });

  it('starts a canary by appending the canary Service on the stable one’s port', () => {
    const { plan, applied } = planned(single(), {
      type: 'start-canary',
      canary: { host: 'inventory-v2' },
    });
    expect(applied.spec.rules[0].backendRefs).toEqual([
      {
        group: '',
        kind: 'Service',
        name: 'inventory-v1',
        port: 8080,
        weight: 90,
      },
      { name: 'inventory-v2', port: 8080, weight: 10 },
    ]);
    expect(plan.after.destinations).toEqual([
      { host: 'inventory-v1', port: 8080, weight: 90 },
      { host: 'inventory-v2', port: 8080, weight: 10 },
    ]);
  });

  it('names a Service of another namespace with its namespace', () => {
    const { applied } = planned(single(), {
      type: 'start-canary',
      canary: { host: 'inventory-next.staging.svc', port: 9090 },
    });
    expect(applied.spec.rules[0].backendRefs[1]).toEqual({
      name: 'inventory-next',
      namespace: 'staging',
      port: 9090,
      weight: 10,
    });
  });

  it.each([
    [
      { type: 'start-canary', canary: { host: 'inventory-v1', subset: 'v2' } },
      409,
      /already splits/,
    ],
    [
      {
        type: 'set-weights',
        weights: [
          { host: 'inventory-v1', weight: 101 },
          { host: 'inventory-v2', weight: -1 },
        ],
      },
      400,
      /101/,
    ],
    [
      {
        type: 'set-weights',
        weights: [
          { host: 'inventory-v1', weight: 50 },
          { host: 'inventory-v3', weight: 50 },
        ],
      },
      422,
      /inventory-v3 is not a destination/,
    ],
    [{ type: 'flip' }, 409, /flip needs exactly two destinations/],
    [{ type: 'finish' }, 409, /promote fully first/],
    [{ type: 'promote' }, 400, /unknown operation "promote"/],
  ])('refuses %j with %s', (operation, status, message) => {
    const refusal = refused(inventory(), operation);
    expect(refusal.status).toBe(status);
    expect(refusal.message).toMatch(message);
    expect(refusal.message).not.toMatch(/VirtualService/);
  });

  it('refuses a subset, a host that is not a Service name, and a canary without a port to copy', () => {
    expect(
      refused(single(), {
        type: 'start-canary',
        canary: { host: 'inventory', subset: 'v2' },
      }),
    ).toMatchObject({
      status: 422,
      message: expect.stringMatching(/without subsets/),
    });
    expect(
      refused(single(), {
        type: 'start-canary',
        canary: { host: 'example.com' },
      }),
    ).toMatchObject({
      status: 422,
      message: expect.stringMatching(/not a Service name/),
    });
    const noPort = single();
    delete noPort.spec.rules[0].backendRefs[0].port;
    expect(
      refused(noPort, {
        type: 'start-canary',
        canary: { host: 'inventory-v2' },
      }),
    ).toMatchObject({
      status: 422,
      message: expect.stringMatching(/give the port/),
    });
  });

  it('answers 404 for an unknown rule and 422 for an object not read from the API server', () => {
    expect(refused(inventory(), { type: 'flip' }, 3)).toMatchObject({
      status: 404,
      message: 'HTTPRoute demo/inventory has 1 rule; there is no rule 3',
    });
    expect(refused(inventory(), { type: 'flip' }, 'canary')).toMatchObject({
      status: 404,
    });
    const unread = inventory();
    delete unread.metadata.resourceVersion;
    expect(refused(unread, { type: 'flip' })).toMatchObject({ status: 422 });
  });

  it('refuses weights that add up to 0 (Gateway API then sends nothing)', () => {
    const route = inventory();
    route.spec.rules[0].backendRefs.forEach((b: any) => (b.weight = 0));
    expect(refused(route, { type: 'promote-next' })).toMatchObject({
      status: 422,
      message: expect.stringMatching(/sum to 0/),
    });
  });

  it('targets users with a rule ahead of the default one, more specific by one header', () => {
    const { plan, applied } = planned(inventory(), {
      type: 'target-users',
      match: { kind: 'header', name: 'X-User', value: 'jason' },
      to: { host: 'inventory-v2' },
    });
    const [targeted, main] = applied.spec.rules;
    expect(targeted).toEqual({
      name: 'istio-rollouts-target-header-x-user-jason',
      matches: [
        {
          path: { type: 'PathPrefix', value: '/' },
          headers: [{ type: 'Exact', name: 'x-user', value: 'jason' }],
        },
      ],
      backendRefs: [{ name: 'inventory-v2', port: 8080 }],
      timeouts: { request: '5s' },
    });
    expect(main.name).toBe('main');
    expect(plan.after.index).toBe(1);
    expect(plan.addedRoute?.index).toBe(0);
  });

  it('targets a cookie with a regular expression on the cookie header, and keeps the rule’s own headers', () => {
    const route = inventory();
    route.spec.rules[0].matches = [
      {
        path: { type: 'PathPrefix', value: '/api' },
        headers: [{ type: 'Exact', name: 'x-env', value: 'prod' }],
      },
    ];
    const { applied } = planned(route, {
      type: 'target-users',
      match: { kind: 'cookie', name: 'beta', value: 'yes' },
      to: { host: 'inventory-v2' },
    });
    const headers = applied.spec.rules[0].matches[0].headers;
    expect(headers[0]).toEqual({ type: 'Exact', name: 'x-env', value: 'prod' });
    expect(headers[1]).toMatchObject({
      type: 'RegularExpression',
      name: 'cookie',
    });
    expect(new RegExp(headers[1].value).test('a=1; beta=yes')).toBe(true);
    expect(new RegExp(headers[1].value).test('beta=no')).toBe(false);
  });

  it('refuses a second identical targeting, a header the rule matches already, and a 17th rule', () => {
    const op = {
      type: 'target-users',
      match: { kind: 'header', name: 'x-user', value: 'jason' },
      to: { host: 'inventory-v2' },
    };
    const { applied } = planned(inventory(), op);
    expect(refused(applied, op, 'main')).toMatchObject({ status: 409 });
    const sameHeader = inventory();
    sameHeader.spec.rules[0].matches[0].headers = [
      { name: 'X-User', value: 'x' },
    ];
    expect(refused(sameHeader, op)).toMatchObject({ status: 409 });
    const full = inventory();
    for (let i = 0; i < 15; i++) {
      full.spec.rules.push({
        name: `r${i}`,
        backendRefs: [{ name: 'inventory-v1', port: 8080 }],
      });
    }
    expect(refused(full, op)).toMatchObject({
      status: 409,
      message: expect.stringMatching(/16 rules, Gateway API's maximum/),
    });
  });

  it('mirrors with a RequestMirror filter and its percent (a fraction for decimals), and removes it', () => {
    const { plan, applied } = planned(inventory(), {
      type: 'set-mirror',
      to: { host: 'inventory-v2' },
      percentage: 20,
    });
    expect(applied.spec.rules[0].filters).toEqual([
      {
        type: 'RequestMirror',
        requestMirror: {
          backendRef: { name: 'inventory-v2', port: 8080 },
          percent: 20,
        },
      },
    ]);
    expect(plan.after.mirror).toEqual({
      host: 'inventory-v2',
      port: 8080,
      percentage: 20,
    });
    const again = planned(
      { ...applied, metadata: { ...applied.metadata } },
      {
        type: 'set-mirror',
        to: { host: 'inventory-v2' },
        percentage: 2.5,
      },
    );
    expect(again.applied.spec.rules[0].filters).toHaveLength(1);
    expect(
      again.applied.spec.rules[0].filters[0].requestMirror.fraction,
    ).toEqual({
      numerator: 250,
      denominator: 10000,
    });
    expect(again.plan.after.mirror?.percentage).toBe(2.5);
    const removed = planned(applied, { type: 'remove-mirror' });
    expect(removed.applied.spec.rules[0].filters).toEqual([]);
    expect(removed.plan.after.mirror).toBeUndefined();
  });

  it('rolls back: stable gets everything, targeted rules and the mirror to a version go, a recorder mirror and other filters stay', () => {
    const route = inventory();
    route.spec.rules[0].filters = [
      {
        type: 'RequestHeaderModifier',
        requestHeaderModifier: { set: [{ name: 'x-a', value: '1' }] },
      },
      {
        type: 'RequestMirror',
        requestMirror: {
          backendRef: {
            name: 'recorder',
            namespace: 'observability',
            port: 80,
          },
        },
      },
      {
        type: 'RequestMirror',
        requestMirror: {
          backendRef: { name: 'inventory-v2', port: 8080 },
          percent: 50,
        },
      },
    ];
    const targeted = planned(route, {
      type: 'target-users',
      match: { kind: 'header', name: 'x-user', value: 'jason' },
      to: { host: 'inventory-v2' },
    }).applied;
    const { plan, applied } = planned(targeted, { type: 'rollback' }, 'main');
    expect(applied.spec.rules).toHaveLength(1);
    expect(weights(applied)).toEqual([
      ['inventory-v1', 100],
      ['inventory-v2', 0],
    ]);
    expect(applied.spec.rules[0].filters.map((f: any) => f.type)).toEqual([
      'RequestHeaderModifier',
      'RequestMirror',
    ]);
    expect(applied.spec.rules[0].filters[1].requestMirror.backendRef.name).toBe(
      'recorder',
    );
    expect(plan.removedRoutes).toEqual([
      { index: 0, name: 'istio-rollouts-target-header-x-user-jason' },
    ]);
    expect(plan.after.index).toBe(0);
  });

  it('finishes only at 100/0, removing the idle backend', () => {
    const full = planned(inventory(), { type: 'promote-full' }).applied;
    const { plan, applied } = planned(full, { type: 'finish' });
    expect(applied.spec.rules[0].backendRefs).toEqual([
      {
        group: '',
        kind: 'Service',
        name: 'inventory-v2',
        port: 8080,
        weight: 100,
      },
    ]);
    expect(plan.after.destinations).toEqual([
      { host: 'inventory-v2', port: 8080, weight: 100 },
    ]);
  });

  it('flips a blue-green pair', () => {
    const route = inventory();
    route.spec.rules[0].backendRefs[0].weight = 1;
    route.spec.rules[0].backendRefs[1].weight = 0;
    expect(weights(planned(route, { type: 'flip' }).applied)).toEqual([
      ['inventory-v1', 0],
      ['inventory-v2', 100],
    ]);
  });
});

describe('snapshotHttpRouteRule', () => {
  it('gives a lone backend 100, a missing weight 1, and a mirror by fraction', () => {
    expect(
      snapshotHttpRouteRule(
        {
          backendRefs: [{ name: 'a', port: 80 }],
          filters: [
            {
              type: 'RequestMirror',
              requestMirror: {
                backendRef: { name: 'b', port: 80 },
                fraction: { numerator: 1, denominator: 3 },
              },
            },
          ],
        },
        2,
        'demo',
      ),
    ).toEqual({
      index: 2,
      destinations: [{ host: 'a', port: 80, weight: 100 }],
      mirror: { host: 'b', port: 80, percentage: 33.33 },
    });
    expect(
      snapshotHttpRouteRule(
        {
          backendRefs: [
            { name: 'a' },
            { name: 'b', namespace: 'x', weight: 3 },
          ],
        },
        0,
        'demo',
      ).destinations,
    ).toEqual([
      { host: 'a', weight: 1 },
      { host: 'b.x.svc', weight: 3 },
    ]);
  });
});
