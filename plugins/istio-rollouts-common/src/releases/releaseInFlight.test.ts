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

import { buildVirtualServiceViews } from '../domain/buildRolloutView';
import {
  bag,
  reviewsApp,
  split,
  virtualService,
} from '../__testUtils__/builders';
import { routeBoundId } from '../ownership';
import { describeRouteInFlight, lastSpecWrite } from './releaseInFlight';

function view(
  http: Parameters<typeof virtualService>[1],
  ready: Partial<Record<string, number>> = {},
) {
  const [vs] = buildVirtualServiceViews(
    bag(reviewsApp(ready), {
      virtualServices: [virtualService('reviews', http)],
    }),
  );
  return vs;
}

const inFlight = (vs: ReturnType<typeof view>) =>
  vs.routes.map(r => describeRouteInFlight(vs, r)?.strategy);

describe('describeRouteInFlight', () => {
  it('a canary split is in flight, with each version labelled', () => {
    const vs = view([
      {
        route: split([
          ['v1', 90],
          ['v2', 10],
        ]),
      },
    ]);
    expect(describeRouteInFlight(vs, vs.routes[0])).toMatchObject({
      strategy: 'canary',
      split: [
        {
          versionKey: vs.routes[0].destinations[0].versionKey,
          label: 'v1',
          weight: 90,
        },
        { label: 'v2', weight: 10 },
      ],
    });
  });

  it('one version with everything is at rest; so is 100/0 once the idle version has no ready pods', () => {
    expect(inFlight(view([{ route: split([['v1', undefined]]) }]))).toEqual([
      undefined,
    ]);
    const blueGreen = [
      {
        route: split([
          ['v1', 100],
          ['v2', 0],
        ]),
      },
    ];
    expect(inFlight(view(blueGreen))).toEqual(['blue-green']);
    expect(inFlight(view(blueGreen, { v2: 0 }))).toEqual([undefined]);
  });

  it('users pinned by a header rule are in flight on that rule only', () => {
    const vs = view([
      {
        match: [{ headers: { 'end-user': { exact: 'jason' } } }],
        route: split([['v2', undefined]]),
      },
      { route: split([['v1', undefined]]) },
    ]);
    expect(inFlight(vs)).toEqual(['targeted', undefined]);
  });

  it('a mirror is in flight, with the share copied', () => {
    const vs = view([
      {
        route: split([['v1', undefined]]),
        mirror: { host: 'reviews', subset: 'v2' },
        mirrorPercentage: { value: 20 },
      },
    ]);
    expect(describeRouteInFlight(vs, vs.routes[0])).toMatchObject({
      strategy: 'mirror',
      mirror: { label: 'v2', percentage: 20 },
    });
  });

  it('a managed route is in flight while its controller is mid-rollout or the weights are split', () => {
    const managed = (weights: Array<[string, number]>, phase: string) => {
      const vs = view([{ route: split(weights) }]);
      vs.routes[0].strategy = 'managed';
      vs.managedBy = {
        controller: 'argo-rollouts',
        namespace: 'shop',
        name: 'reviews',
        strategy: 'canary',
        phase,
        step: 'step 1 of 4',
      };
      return describeRouteInFlight(vs, vs.routes[0]);
    };
    expect(
      managed(
        [
          ['v1', 100],
          ['v2', 0],
        ],
        'Healthy',
      ),
    ).toBeUndefined();
    expect(
      managed(
        [
          ['v1', 100],
          ['v2', 0],
        ],
        'Paused',
      ),
    ).toMatchObject({
      strategy: 'managed',
      managedBy: {
        controller: 'argo-rollouts',
        phase: 'Paused',
        step: 'step 1 of 4',
      },
    });
    expect(
      managed(
        [
          ['v1', 80],
          ['v2', 20],
        ],
        'Healthy',
      )?.strategy,
    ).toBe('managed');
  });

  it('carries the route and object warnings', () => {
    const vs = view([
      {
        route: split([
          ['v1', 90],
          ['v2', 20],
        ]),
      },
    ]);
    const result = describeRouteInFlight(vs, vs.routes[0]);
    expect(result?.warnings.map(w => w.code)).toContain('weights-not-100');
  });
});

describe('lastSpecWrite', () => {
  it('is the newest write of a manager that owns spec fields', () => {
    expect(
      lastSpecWrite([
        {
          manager: 'kubectl',
          time: '2026-11-01T10:00:00Z',
          fieldsV1: { 'f:spec': {} },
        },
        {
          manager: 'plugin',
          time: '2026-11-20T10:00:00Z',
          fieldsV1: { 'f:spec': {} },
        },
        // Labels only: not a change of the routes.
        {
          manager: 'labeller',
          time: '2026-11-29T10:00:00Z',
          fieldsV1: { 'f:metadata': {} },
        },
      ]),
    ).toBe('2026-11-20T10:00:00.000Z');
  });

  it('is undefined without managed fields or times', () => {
    expect(lastSpecWrite(undefined)).toBeUndefined();
    expect(
      lastSpecWrite([{ manager: 'x' }, { time: 'not a time' }]),
    ).toBeUndefined();
  });
});

describe('routeBoundId', () => {
  const label = 'backstage.io/kubernetes-id';
  const lookup = (
    namespaces: Record<string, Record<string, string>>,
    services: Record<string, Record<string, string>>,
  ) => ({
    namespaceLabels: (ns: string) => namespaces[ns],
    serviceLabels: (ns: string, name: string) => services[`${ns}/${name}`],
  });
  const vs = (labels?: Record<string, string>) => ({
    kind: 'VirtualService',
    namespace: 'shop',
    name: 'gateway',
    labels,
  });

  it("takes the object's own label first, then its namespace's", () => {
    const l = lookup({ shop: { [label]: 'shop-team' } }, {});
    expect(routeBoundId(label, vs({ [label]: 'web' }), [], l)).toEqual({
      id: 'web',
    });
    expect(routeBoundId(label, vs(), [], l)).toEqual({ id: 'shop-team' });
  });

  it("binds a shared object's route to the id all its destination Services share", () => {
    const l = lookup(
      { shop: {}, other: {} },
      {
        'shop/web': { [label]: 'web' },
        'other/api': { [label]: 'api' },
        'shop/plain': {},
      },
    );
    expect(
      routeBoundId(label, vs(), ['web', 'web.shop.svc.cluster.local'], l),
    ).toEqual({ id: 'web' });
    expect(routeBoundId(label, vs(), ['web', 'api.other'], l)).toEqual({
      problem: expect.stringMatching(/different entities \(web, api\)/),
    });
    expect(routeBoundId(label, vs(), ['web', 'plain'], l)).toEqual({
      problem: expect.stringMatching(
        /destination plain is not a Service bound to one/,
      ),
    });
    expect(routeBoundId(label, vs(), ['example.com'], l)).toEqual({
      problem: expect.stringMatching(/destination example.com/),
    });
    expect(routeBoundId(label, vs(), [], l)).toEqual({
      problem: expect.stringMatching(/bound to no entity/),
    });
  });
});
