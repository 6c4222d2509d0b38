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

import { RolloutAnnotations } from '../annotations';
import { deployment, service } from '../__testUtils__/builders';
import {
  argoRollout,
  backends,
  checkoutApp,
  httpRoute,
  withRoutes,
} from './__testUtils__/builders';
import { buildHttpRouteViews } from './buildHttpRouteViews';
import { selectEntityHttpRoutes } from './selectEntityHttpRoutes';

const annotations = (a: Partial<RolloutAnnotations>): RolloutAnnotations => ({
  virtualServices: [],
  canarySteps: [10, 25, 50, 100],
  problems: [],
  ...a,
});
const names = (list: unknown[] | undefined) =>
  (list ?? []).map(o => {
    const meta = (o as { metadata?: { namespace?: string; name?: string } })
      .metadata;
    return `${meta?.namespace}/${meta?.name}`;
  });

const checkoutRoute = httpRoute('checkout', [
  {
    backendRefs: backends([
      ['checkout-v1', 90],
      ['checkout-v2', 10],
    ]),
  },
]);
// Another team's route through a Gateway, sending /checkout to our Service.
const frontdoor = httpRoute(
  'frontdoor',
  [
    {
      matches: [{ path: { value: '/checkout' } }],
      backendRefs: backends([['checkout-v1', undefined]]),
    },
    { backendRefs: backends([['web', undefined]]) },
  ],
  { parentRefs: [{ name: 'edge' }], namespace: 'shop' },
);
const payments = httpRoute('payments', [
  { backendRefs: backends([['payments', undefined]]) },
]);
const cluster = () => {
  const app = checkoutApp();
  return withRoutes(
    {
      ...app,
      services: [
        ...app.services,
        service('payments', { app: 'payments' }),
        service('web', { app: 'web' }),
      ],
      deployments: [
        ...app.deployments,
        deployment('payments', { app: 'payments' }),
        deployment('web', { app: 'web' }),
      ],
    },
    [checkoutRoute, frontdoor, payments],
  );
};

describe('selectEntityHttpRoutes', () => {
  it('discovers by labels: labelled routes, Service parents and backendRefs', () => {
    const selected = selectEntityHttpRoutes(
      annotations({ kubernetesId: 'checkout' }),
      cluster(),
    );
    expect(names(selected.httpRoutes)).toEqual([
      'shop/checkout',
      'shop/frontdoor',
    ]);
    expect(names(selected.services)).toEqual([
      'shop/checkout',
      'shop/checkout-v1',
      'shop/checkout-v2',
      'shop/web',
    ]);
    expect(names(selected.deployments)).toEqual([
      'shop/checkout-v1',
      'shop/checkout-v2',
      'shop/web',
    ]);
    expect(selected.notFound).toEqual([]);
    expect(selected.problems).toEqual([]);
    // The small bag gives the same views as the whole cluster.
    const all = buildHttpRouteViews(cluster()).slice(0, 2);
    expect(buildHttpRouteViews(selected)).toEqual(all);
  });

  it('finds a route by an unlabelled Service that selects the entity’s pods', () => {
    const objects = cluster();
    objects.services = [
      service('checkout-canary', { app: 'checkout', version: 'v2' }),
      service('payments', { app: 'payments' }),
    ];
    objects.httpRoutes = [
      httpRoute('canary', [
        { backendRefs: backends([['checkout-canary', undefined]]) },
      ]),
      payments,
    ];
    const selected = selectEntityHttpRoutes(
      annotations({ kubernetesId: 'checkout' }),
      objects,
    );
    expect(names(selected.httpRoutes)).toEqual(['shop/canary']);
  });

  it('names in istio-rollouts/virtual-services win, and say which are missing', () => {
    const selected = selectEntityHttpRoutes(
      annotations({
        kubernetesId: 'checkout',
        virtualServices: [
          { namespace: 'shop', name: 'payments' },
          { namespace: 'shop', name: 'reviews' },
          { namespace: 'other', name: 'checkout' },
        ],
      }),
      cluster(),
    );
    expect(names(selected.httpRoutes)).toEqual(['shop/payments']);
    expect(selected.notFound).toEqual([
      { namespace: 'shop', name: 'reviews' },
      { namespace: 'other', name: 'checkout' },
    ]);
  });

  it('keeps to the entity’s namespace, and reports an unreadable selector', () => {
    expect(
      selectEntityHttpRoutes(
        annotations({ kubernetesId: 'checkout', namespace: 'other' }),
        cluster(),
      ).httpRoutes,
    ).toEqual([]);
    const bad = selectEntityHttpRoutes(
      annotations({ labelSelector: 'app in (' }),
      cluster(),
    );
    expect(bad.httpRoutes).toEqual([]);
    expect(bad.problems).toHaveLength(1);
    expect(
      selectEntityHttpRoutes(annotations({}), cluster()).httpRoutes,
    ).toEqual([]);
  });

  it('a Flagger Canary of the entity brings its HTTPRoute, and comes along', () => {
    const objects = cluster();
    const canary = {
      apiVersion: 'flagger.app/v1beta1',
      kind: 'Canary',
      metadata: { name: 'checkout-v1', namespace: 'shop' },
      spec: {
        targetRef: { kind: 'Deployment', name: 'checkout-v1' },
        service: { name: 'pay', port: 8080 },
      },
    };
    objects.canaries = [canary];
    objects.httpRoutes = [
      ...objects.httpRoutes,
      httpRoute(
        'pay',
        [
          {
            backendRefs: backends([
              ['pay-primary', 100],
              ['pay-canary', 0],
            ]),
          },
        ],
        { parentRefs: [{ name: 'edge' }] },
      ),
    ];
    const selected = selectEntityHttpRoutes(
      annotations({ kubernetesId: 'checkout' }),
      objects,
    );
    expect(names(selected.httpRoutes)).toContain('shop/pay');
    expect(selected.canaries).toEqual([canary]);
    const pay = buildHttpRouteViews(selected).find(v => v.name === 'pay');
    expect(pay?.managedBy?.controller).toBe('flagger');
  });

  it('brings the Rollouts behind backend Services, and their ReplicaSets', () => {
    const objects = cluster();
    objects.rollouts = [
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Rollout',
        metadata: { name: 'checkout-v2', namespace: 'shop', uid: 'r-1' },
        spec: {
          replicas: 1,
          template: {
            metadata: { labels: { app: 'checkout', version: 'v2' } },
          },
        },
      },
    ];
    objects.replicaSets = [
      {
        metadata: {
          name: 'checkout-v2-abc',
          namespace: 'shop',
          ownerReferences: [
            { kind: 'Rollout', name: 'checkout-v2', uid: 'r-1' },
          ],
        },
      },
      { metadata: { name: 'unrelated', namespace: 'shop' } },
    ];
    const selected = selectEntityHttpRoutes(
      annotations({ kubernetesId: 'checkout' }),
      objects,
    );
    expect(names(selected.rollouts)).toEqual(['shop/checkout-v2']);
    expect(names(selected.replicaSets)).toEqual(['shop/checkout-v2-abc']);
  });

  it('an Argo Rollout of the entity brings the HTTPRoutes its Gateway API plugin names', () => {
    const objects = cluster();
    objects.rollouts = [argoRollout({ httpRoutes: ['payments'] })];
    const selected = selectEntityHttpRoutes(
      annotations({ kubernetesId: 'checkout' }),
      objects,
    );
    expect(names(selected.httpRoutes)).toEqual([
      'shop/checkout',
      'shop/frontdoor',
      'shop/payments',
    ]);
    expect(names(selected.rollouts)).toEqual(['shop/checkout']);
    const view = buildHttpRouteViews(selected).find(v => v.name === 'payments');
    expect(view?.managedBy?.controller).toBe('argo-rollouts');
    expect(view?.routes[0].strategy).toBe('managed');
  });
});
