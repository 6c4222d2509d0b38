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

import { VirtualServiceView } from '../types';
import {
  argoRollout,
  backends,
  checkoutApp,
  httpRoute,
  withRoutes,
} from './__testUtils__/builders';
import { buildHttpRouteViews } from './buildHttpRouteViews';
import { GatewayHttpRoute, HttpRouteClusterObjects } from './types';

function only(
  route: GatewayHttpRoute,
  app: Omit<HttpRouteClusterObjects, 'httpRoutes'> = checkoutApp(),
): VirtualServiceView {
  const views = buildHttpRouteViews(withRoutes(app, [route]));
  expect(views).toHaveLength(1);
  return views[0];
}

const codes = (view: VirtualServiceView, rule = 0) =>
  view.routes[rule].warnings.map(w => w.code);

describe('buildHttpRouteViews: splits and strategies', () => {
  it('canary: backendRef weights, Services as versions, their workloads', () => {
    const view = only(
      httpRoute('checkout', [
        {
          backendRefs: backends([
            ['checkout-v1', 90],
            ['checkout-v2', 10],
          ]),
        },
      ]),
    );
    expect(view).toMatchObject({
      kind: 'HTTPRoute',
      namespace: 'shop',
      name: 'checkout',
      apiVersion: 'gateway.networking.k8s.io/v1',
      resourceVersion: '7',
      hosts: ['checkout'],
      gateways: ['mesh'],
      nonHttpRoutes: [],
      warnings: [],
    });
    expect(view.versions.map(v => [v.key, v.label, v.host, v.fqdn])).toEqual([
      [
        'checkout-v1',
        'checkout-v1',
        'checkout-v1',
        'checkout-v1.shop.svc.cluster.local',
      ],
      [
        'checkout-v2',
        'checkout-v2',
        'checkout-v2',
        'checkout-v2.shop.svc.cluster.local',
      ],
    ]);
    expect(view.versions[1].labels).toEqual({ app: 'checkout', version: 'v2' });
    expect(view.versions[1].workloads.map(w => w.name)).toEqual([
      'checkout-v2',
    ]);
    expect(view.routes).toEqual([
      {
        index: 0,
        match: [],
        destinations: [
          {
            versionKey: 'checkout-v1',
            host: 'checkout-v1',
            port: 8080,
            weight: 90,
          },
          {
            versionKey: 'checkout-v2',
            host: 'checkout-v2',
            port: 8080,
            weight: 10,
          },
        ],
        strategy: 'canary',
        explanation:
          'Canary: 10% of traffic goes to checkout-v2, 90% stays on checkout-v1',
        warnings: [],
      },
    ]);
  });

  it('weights are proportions: 1:2, and 1 each when absent', () => {
    const view = only(
      httpRoute('checkout', [
        {
          backendRefs: backends([
            ['checkout-v1', 1],
            ['checkout-v2', 2],
          ]),
        },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
          backendRefs: backends([
            ['checkout-v1', undefined],
            ['checkout-v2', undefined],
          ]),
        },
      ]),
    );
    expect(view.routes[0].destinations.map(d => d.weight)).toEqual([
      33.33, 66.67,
    ]);
    expect(view.routes[1].destinations.map(d => d.weight)).toEqual([50, 50]);
    expect(view.routes[1].strategy).toBe('canary');
  });

  it('a single backend: the rollout strategy of its workload', () => {
    const view = only(
      httpRoute('checkout', [
        { backendRefs: backends([['checkout-v1', undefined]]) },
      ]),
    );
    expect(view.routes[0]).toMatchObject({
      destinations: [{ versionKey: 'checkout-v1', weight: 100 }],
      strategy: 'rolling',
      explanation: 'Single version checkout-v1, rolled out by RollingUpdate',
    });
  });

  it('blue-green: one backend at 0 on standby', () => {
    const view = only(
      httpRoute('checkout', [
        {
          backendRefs: backends([
            ['checkout-v1', 0],
            ['checkout-v2', 1],
          ]),
        },
      ]),
    );
    expect(view.routes[0]).toMatchObject({
      strategy: 'blue-green',
      explanation:
        'Blue-green: all traffic on checkout-v2; checkout-v1 is on standby',
    });
    expect(view.routes[0].destinations.map(d => d.weight)).toEqual([0, 100]);
  });

  it('targeted: a header rule, and everyone else on the catch-all', () => {
    const view = only(
      httpRoute('checkout', [
        {
          name: 'testers',
          matches: [
            { headers: [{ name: 'X-Canary', value: 'true' }] },
            {
              headers: [
                {
                  type: 'RegularExpression',
                  name: 'cookie',
                  value: '^(.*?;)?(user=dev)(;.*)?$',
                },
              ],
            },
          ],
          backendRefs: backends([['checkout-v2', undefined]]),
        },
        { backendRefs: backends([['checkout-v1', undefined]]) },
      ]),
    );
    expect(view.routes[0]).toMatchObject({
      name: 'testers',
      match: [
        [
          {
            kind: 'header',
            name: 'x-canary',
            operator: 'exact',
            value: 'true',
          },
        ],
        [{ kind: 'cookie', name: 'user', operator: 'exact', value: 'dev' }],
      ],
      strategy: 'targeted',
      explanation:
        'Targeted: requests with header x-canary = true or cookie user = dev go to checkout-v2',
    });
    expect(view.routes[1].explanation).toBe(
      'Everyone else: single version checkout-v1, rolled out by RollingUpdate',
    );
  });

  it('flattens path, method and query parameter matches; PathPrefix / is every request', () => {
    const view = only(
      httpRoute('checkout', [
        {
          matches: [
            {
              path: { type: 'Exact', value: '/pay' },
              method: 'POST',
              queryParams: [
                { type: 'RegularExpression', name: 'Beta', value: '^1$' },
              ],
            },
            { path: { type: 'PathPrefix', value: '/' }, method: 'GET' },
            { path: { value: '/static' } },
          ],
          backendRefs: backends([['checkout-v1', undefined]]),
        },
      ]),
    );
    expect(view.routes[0].match).toEqual([
      [
        { kind: 'uri', operator: 'exact', value: '/pay' },
        { kind: 'method', operator: 'exact', value: 'POST' },
        { kind: 'queryParam', name: 'Beta', operator: 'regex', value: '^1$' },
      ],
      [{ kind: 'method', operator: 'exact', value: 'GET' }],
      [{ kind: 'uri', operator: 'prefix', value: '/static' }],
    ]);
  });

  it('mirror: a RequestMirror filter with percent, fraction, or neither', () => {
    const mirror = (extra: object) => ({
      backendRefs: backends([['checkout-v1', undefined]]),
      filters: [
        {
          type: 'RequestMirror',
          requestMirror: {
            backendRef: { name: 'checkout-v2', port: 8080 },
            ...extra,
          },
        },
      ],
    });
    const view = only(
      httpRoute('checkout', [
        { ...mirror({ percent: 20 }), matches: [{ method: 'GET' }] },
        {
          ...mirror({ fraction: { numerator: 1, denominator: 4 } }),
          matches: [{ method: 'PUT' }],
        },
        mirror({}),
      ]),
    );
    expect(view.routes.map(r => r.mirror)).toEqual([
      { versionKey: 'checkout-v2', host: 'checkout-v2', percentage: 20 },
      { versionKey: 'checkout-v2', host: 'checkout-v2', percentage: 25 },
      { versionKey: 'checkout-v2', host: 'checkout-v2', percentage: 100 },
    ]);
    expect(view.routes[0]).toMatchObject({
      strategy: 'mirror',
      explanation:
        'Mirror: all traffic served by checkout-v1; 20% copied to checkout-v2',
    });
  });

  it('a Flagger Canary drives the HTTPRoute named after its Service', () => {
    const app = checkoutApp();
    const view = only(
      httpRoute('checkout', [
        {
          backendRefs: backends([
            ['checkout-v1', 80],
            ['checkout-v2', 20],
          ]),
        },
      ]),
      {
        ...app,
        canaries: [
          {
            apiVersion: 'flagger.app/v1beta1',
            kind: 'Canary',
            metadata: { name: 'checkout', namespace: 'shop' },
            spec: {
              targetRef: { kind: 'Deployment', name: 'checkout' },
              service: { port: 8080 },
              analysis: { stepWeight: 10, maxWeight: 50 },
            },
            status: { phase: 'Progressing', canaryWeight: 20 },
          },
        ],
      },
    );
    expect(view.managedBy).toMatchObject({
      controller: 'flagger',
      name: 'checkout',
      strategy: 'canary',
    });
    expect(view.routes[0].strategy).toBe('managed');
    expect(view.warnings.map(w => w.code)).toEqual(['managed-by-controller']);
    expect(view.warnings[0].message).toMatch(
      /^HTTPRoute shop\/checkout is driven by Flagger/,
    );
  });

  it('an Argo Rollout drives the HTTPRoute its Gateway API plugin names', () => {
    const app = checkoutApp();
    const view = only(
      httpRoute('checkout', [
        {
          backendRefs: backends([
            ['checkout-v1', 80],
            ['checkout-v2', 20],
          ]),
        },
      ]),
      { ...app, rollouts: [argoRollout()] },
    );
    expect(view.managedBy).toMatchObject({
      controller: 'argo-rollouts',
      namespace: 'shop',
      name: 'checkout',
      strategy: 'canary',
      phase: 'Paused',
      step: 'step 1 of 2',
    });
    expect(view.managedBy?.argo).toBeDefined();
    expect(view.routes[0]).toMatchObject({
      strategy: 'managed',
      explanation:
        'Managed by Argo Rollouts (canary, step 1 of 2): 20% of traffic goes to checkout-v2, 80% stays on checkout-v1',
    });
  });

  it('Gateway parents and hostnames', () => {
    const view = only(
      httpRoute('checkout', [{ backendRefs: backends([['checkout-v1', 1]]) }], {
        parentRefs: [
          { name: 'web' },
          { name: 'edge', namespace: 'infra', sectionName: 'https' },
        ],
        hostnames: ['shop.example.com'],
      }),
    );
    expect(view.hosts).toEqual(['shop.example.com']);
    expect(view.gateways).toEqual(['web', 'infra/edge']);
  });
});

describe('buildHttpRouteViews: warnings', () => {
  it('a backendRef to a Service that does not exist', () => {
    const view = only(
      httpRoute('checkout', [
        {
          backendRefs: backends([
            ['checkout-v1', 90],
            ['checkout-v3', 10],
          ]),
        },
      ]),
    );
    expect(codes(view)).toEqual(['backend-not-found']);
    expect(view.routes[0].warnings[0]).toEqual({
      code: 'backend-not-found',
      severity: 'error',
      message:
        'HTTPRoute shop/checkout, rule 0: backendRef Service shop/checkout-v3 does not exist, so its 10% of requests get HTTP 500.',
    });
  });

  it('every weight 0: no backend, HTTP 500', () => {
    const view = only(
      httpRoute('checkout', [
        {
          backendRefs: backends([
            ['checkout-v1', 0],
            ['checkout-v2', 0],
          ]),
        },
      ]),
    );
    expect(codes(view)).toEqual(['weights-all-zero']);
    expect(view.routes[0].strategy).toBe('unknown');
  });

  it('a backend of another kind is shown, not a Service', () => {
    const view = only(
      httpRoute('checkout', [
        {
          backendRefs: [
            {
              group: 'inference.networking.k8s.io',
              kind: 'InferencePool',
              name: 'llm',
            },
          ],
        },
      ]),
    );
    expect(view.versions.map(v => [v.key, v.label])).toEqual([
      ['inferencepool:llm', 'InferencePool llm'],
    ]);
    expect(codes(view)).toEqual(['backend-not-service']);
    expect(view.routes[0]).toMatchObject({
      strategy: 'unknown',
      explanation:
        'Unknown: traffic goes to InferencePool llm, not to a Service, so there is no rollout to show',
    });
  });

  it('a Service in another namespace, and an invalid weight', () => {
    const view = only(
      httpRoute('checkout', [
        {
          backendRefs: [
            { name: 'checkout-v1', weight: 'ten' as unknown as number },
            { name: 'legacy', namespace: 'old', weight: 1 },
          ],
        },
      ]),
    );
    expect(
      view.routes[0].destinations.map(d => [d.versionKey, d.weight]),
    ).toEqual([
      ['checkout-v1', 0],
      ['legacy.old', 100],
    ]);
    expect(codes(view)).toEqual([
      'weight-invalid',
      'backend-not-found',
      'cross-namespace-backend',
    ]);
  });

  it('precedence: a rule with the same matches as an earlier one is unreachable', () => {
    const view = only(
      httpRoute('checkout', [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
          backendRefs: backends([['checkout-v1', 1]]),
        },
        {
          // Same match, header name in another case, conditions reordered.
          matches: [
            {
              headers: [{ name: 'X-Env', value: 'qa' }],
              path: { value: '/api' },
            },
          ],
          backendRefs: backends([['checkout-v1', 1]]),
        },
        {
          matches: [
            {
              headers: [{ name: 'x-env', value: 'qa' }],
              path: { value: '/api' },
            },
          ],
          backendRefs: backends([['checkout-v2', 1]]),
        },
        {
          matches: [{ path: { value: '/api' } }, { method: 'DELETE' }],
          backendRefs: backends([['checkout-v2', 1]]),
        },
      ]),
    );
    expect(view.routes.map(r => r.warnings.map(w => w.code))).toEqual([
      [],
      [],
      ['route-unreachable'],
      ['match-unreachable'],
    ]);
    expect(view.routes[2].warnings[0].message).toBe(
      'HTTPRoute shop/checkout, rule 2 is never used: rule 1 before it has the same matches, and Gateway API gives a tie to the rule listed first.',
    );
  });

  it('precedence: an earlier catch-all hides a second catch-all, not a more specific rule', () => {
    const view = only(
      httpRoute('checkout', [
        { backendRefs: backends([['checkout-v1', 1]]) },
        {
          matches: [{ headers: [{ name: 'x-canary', value: '1' }] }],
          backendRefs: backends([['checkout-v2', 1]]),
        },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: backends([['checkout-v2', 1]]),
        },
      ]),
    );
    expect(view.routes.map(r => r.warnings.map(w => w.code))).toEqual([
      [],
      [],
      ['route-unreachable'],
    ]);
    expect(view.routes[1].strategy).toBe('targeted');
  });

  it('filters: header changes are told, a redirect serves no version', () => {
    const view = only(
      httpRoute('checkout', [
        {
          matches: [{ path: { value: '/old' } }],
          filters: [
            {
              type: 'RequestRedirect',
              requestRedirect: {
                path: { type: 'ReplaceFullPath', replaceFullPath: '/new' },
              },
            },
          ],
        },
        {
          filters: [
            {
              type: 'RequestHeaderModifier',
              requestHeaderModifier: {
                set: [{ name: 'x-env', value: 'prod' }],
                remove: ['x-debug'],
              },
            },
          ],
          backendRefs: [
            {
              name: 'checkout-v1',
              filters: [
                {
                  type: 'ResponseHeaderModifier',
                  responseHeaderModifier: {
                    add: [{ name: 'x-v', value: '1' }],
                  },
                },
              ],
            },
          ],
        },
      ]),
    );
    expect(view.routes[0]).toMatchObject({
      strategy: 'unknown',
      explanation:
        'Unknown: this route answers with a redirect, so no version serves it',
    });
    expect(view.routes[1].warnings).toEqual([
      {
        code: 'route-filters',
        severity: 'info',
        message:
          'HTTPRoute shop/checkout, rule 1 sets request header x-env: prod; removes request header x-debug; for checkout-v1, adds response header x-v: 1.',
      },
    ]);
  });

  it('version problems: a Service whose pods are not ready', () => {
    const app = checkoutApp();
    app.deployments[1].status = {
      ...app.deployments[1].status,
      readyReplicas: 0,
    };
    const view = only(
      httpRoute('checkout', [
        {
          backendRefs: backends([
            ['checkout-v1', 90],
            ['checkout-v2', 10],
          ]),
        },
      ]),
      app,
    );
    expect(codes(view)).toEqual(['version-no-ready-pods']);
  });

  it('route problems: no parents, no rules, unreadable fields; never throws', () => {
    const views = buildHttpRouteViews({
      httpRoutes: [
        null,
        5,
        { metadata: { name: 'odd', namespace: 'shop' }, spec: { rules: 'x' } },
        {
          metadata: { name: 'half', namespace: 'shop' },
          spec: {
            parentRefs: [{ name: 'web' }],
            rules: [
              null,
              { backendRefs: [{ port: 80 }, { name: 'checkout-v1' }] },
            ],
          },
        },
      ] as unknown as GatewayHttpRoute[],
      ...checkoutApp(),
    });
    expect(views.map(v => [v.name, v.warnings.map(w => w.code)])).toEqual([
      ['odd', ['malformed-field', 'no-routes', 'no-parents']],
      ['half', ['malformed-field']],
    ]);
    expect(views[1].routes.map(r => r.strategy)).toEqual([
      'unknown',
      'rolling',
    ]);
  });
});
