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

import { IstioHttpRoute } from '../kube/types';
import {
  bag,
  deployment,
  reviewsApp,
  service,
  split,
  virtualService,
} from '../__testUtils__/builders';
import { buildVirtualServiceViews } from '../domain/buildRolloutView';
import {
  observedSelectors,
  observedTrafficFrom,
  observedTrafficQueries,
  PromSample,
} from './observed';

const FQDN = 'reviews.shop.svc.cluster.local';
const AT = '2026-12-01T10:00:00.000Z';

const view = (http: IstioHttpRoute[], ...extra: Parameters<typeof bag>) =>
  buildVirtualServiceViews(
    bag(reviewsApp(), ...extra, {
      virtualServices: [virtualService('reviews', http)],
    }),
  )[0];

const sample = (
  workload: string,
  value: number,
  destinationService = FQDN,
): PromSample => ({
  labels: {
    destination_service: destinationService,
    destination_workload: workload,
  },
  value,
});

describe('observedSelectors', () => {
  it('measures each version by its Service and workloads', () => {
    const vs = view([
      {
        route: split([
          ['v1', 90],
          ['v2', 10],
        ]),
      },
    ]);
    expect(observedSelectors(vs)).toEqual({
      measured: [
        { versionKey: 'reviews/v1', service: FQDN, workloads: ['reviews-v1'] },
        { versionKey: 'reviews/v2', service: FQDN, workloads: ['reviews-v2'] },
      ],
      unmeasured: [],
    });
  });

  it('cannot measure a version no workload runs', () => {
    const vs = view([
      {
        route: split([
          ['v1', 90],
          ['v2', 10],
        ]),
      },
      { route: split([['v4', 100]]) },
    ]);
    expect(observedSelectors(vs).unmeasured).toEqual([
      {
        versionKey: 'reviews/v4',
        reason:
          "No Deployment or Rollout runs v4, so no workload's metrics are its own.",
      },
    ]);
  });

  it('cannot tell apart subsets served by the same workload', () => {
    const vs = view(
      [
        {
          route: split([
            ['all', 50],
            ['stable', 50],
          ]),
        },
      ],
      {
        destinationRules: [
          {
            apiVersion: 'networking.istio.io/v1',
            kind: 'DestinationRule',
            metadata: { name: 'reviews-wide', namespace: 'shop' },
            spec: {
              host: 'reviews',
              subsets: [
                { name: 'all', labels: { app: 'reviews' } },
                { name: 'stable', labels: { version: 'v1' } },
              ],
            },
          },
        ],
      },
    );
    expect(vs.versions.map(v => v.workloads.map(w => w.name))).toEqual([
      ['reviews-v1', 'reviews-v2', 'reviews-v3'],
      ['reviews-v1'],
    ]);
    expect(observedSelectors(vs)).toEqual({
      measured: [],
      unmeasured: [
        {
          versionKey: 'reviews/all',
          reason: `Its requests cannot be told apart from those of stable: Istio's metrics name the workload, not the subset, and Deployment reviews-v1 of ${FQDN} serves both.`,
        },
        {
          versionKey: 'reviews/stable',
          reason: `Its requests cannot be told apart from those of all: Istio's metrics name the workload, not the subset, and Deployment reviews-v1 of ${FQDN} serves both.`,
        },
      ],
    });
  });

  it('tells apart one workload behind two Services by the Service', () => {
    const vs = view(
      [
        {
          route: [
            { destination: { host: 'reviews', subset: 'v1' }, weight: 50 },
            { destination: { host: 'reviews-preview' }, weight: 50 },
          ],
        },
      ],
      {
        services: [
          service('reviews-preview', { app: 'reviews', version: 'v1' }),
        ],
      },
    );
    expect(observedSelectors(vs)).toEqual({
      measured: [
        { versionKey: 'reviews/v1', service: FQDN, workloads: ['reviews-v1'] },
        {
          versionKey: 'reviews-preview',
          service: 'reviews-preview.shop.svc.cluster.local',
          workloads: ['reviews-v1'],
        },
      ],
      unmeasured: [],
    });
  });

  it('lists several workloads of one version once each, sorted', () => {
    const vs = view([{ route: split([['v1', 100]]) }], {
      deployments: [
        deployment('reviews-v1-extra', { app: 'reviews', version: 'v1' }),
      ],
    });
    expect(observedSelectors(vs).measured).toEqual([
      {
        versionKey: 'reviews/v1',
        service: FQDN,
        workloads: ['reviews-v1', 'reviews-v1-extra'],
      },
    ]);
  });
});

describe('observedTrafficQueries', () => {
  it('asks for rates per Service and workload, server side', () => {
    const selector = `reporter="destination", destination_workload_namespace="shop", destination_service=~"reviews\\\\.shop\\\\.svc\\\\.cluster\\\\.local|ratings\\\\.shop\\\\.svc\\\\.cluster\\\\.local"`;
    expect(
      observedTrafficQueries(
        'shop',
        [FQDN, 'ratings.shop.svc.cluster.local'],
        '1m',
      ),
    ).toEqual({
      requests: `sum by (destination_service, destination_workload) (rate(istio_requests_total{${selector}}[1m]))`,
      successes: `sum by (destination_service, destination_workload) (rate(istio_requests_total{${selector}, response_code!~"5.*"}[1m]))`,
      latencyP99: `histogram_quantile(0.99, sum by (destination_service, destination_workload, le) (rate(istio_request_duration_milliseconds_bucket{${selector}}[1m])))`,
    });
  });

  it('matches several namespaces as an alternation', () => {
    const { requests } = observedTrafficQueries(
      ['shop', 'shop', 'web'],
      [FQDN],
      '30s',
    );
    expect(requests).toContain('destination_workload_namespace=~"shop|web"');
    expect(requests).toContain('[30s]');
    expect(observedTrafficQueries(['shop'], [FQDN], '1m').requests).toContain(
      'destination_workload_namespace="shop"',
    );
  });

  it('escapes what it quotes', () => {
    expect(observedTrafficQueries('a"b', [], '1m').requests).toContain(
      'destination_workload_namespace="a\\"b", destination_service=~""',
    );
  });

  it('refuses a window that is not a PromQL duration', () => {
    expect(() =>
      observedTrafficQueries('shop', [FQDN], '1m]) or vector(1'),
    ).toThrow(
      "The window '1m]) or vector(1' is not a PromQL duration such as 1m",
    );
  });
});

describe('observedTrafficFrom', () => {
  const vs = view([
    {
      route: split([
        ['v1', 70],
        ['v2', 20],
        ['v3', 10],
      ]),
    },
    { route: split([['v4', 100]]) },
  ]);
  const selectors = observedSelectors(vs);

  it('gives each measured version its rate, share, success rate and p99', () => {
    const observed = observedTrafficFrom(
      vs,
      selectors,
      {
        requests: [
          sample('reviews-v1', 6),
          sample('reviews-v2', 2),
          sample('reviews-v3', 0),
          // Not a version of this VirtualService.
          sample('reviews-v9', 100),
          sample('reviews-v1', 100, 'ratings.shop.svc.cluster.local'),
        ],
        successes: [sample('reviews-v1', 6), sample('reviews-v2', 1)],
        latencyP99: [
          sample('reviews-v1', 98.99999999999999),
          sample('reviews-v2', 973),
          sample('reviews-v3', NaN),
        ],
      },
      AT,
      '1m',
    );
    expect(observed).toEqual({
      source: 'prometheus',
      window: '1m',
      at: AT,
      versions: [
        {
          versionKey: 'reviews/v1',
          requestsPerSecond: 6,
          share: 75,
          successRate: 100,
          p99Ms: 99,
        },
        {
          versionKey: 'reviews/v2',
          requestsPerSecond: 2,
          share: 25,
          successRate: 50,
          p99Ms: 973,
        },
        {
          versionKey: 'reviews/v3',
          requestsPerSecond: 0,
          share: 0,
          successRate: null,
          p99Ms: null,
        },
      ],
      unmeasured: [
        {
          versionKey: 'reviews/v4',
          reason:
            "No Deployment or Rollout runs v4, so no workload's metrics are its own.",
        },
      ],
    });
  });

  it('reads a version that answered nothing but failures as 0% success', () => {
    const observed = observedTrafficFrom(
      vs,
      selectors,
      { requests: [sample('reviews-v2', 1.5)], successes: [], latencyP99: [] },
      AT,
      '1m',
    );
    expect(observed.versions[1]).toEqual({
      versionKey: 'reviews/v2',
      requestsPerSecond: 1.5,
      share: 100,
      successRate: 0,
      p99Ms: null,
    });
  });

  it('gives null shares when nothing was received, and ignores NaN', () => {
    const observed = observedTrafficFrom(
      vs,
      selectors,
      {
        requests: [sample('reviews-v1', NaN), sample('reviews-v2', 0)],
        successes: [sample('reviews-v1', NaN)],
        latencyP99: [sample('reviews-v1', NaN)],
      },
      AT,
      '5m',
    );
    expect(observed.window).toBe('5m');
    expect(
      observed.versions.map(v => [v.share, v.successRate, v.p99Ms]),
    ).toEqual([
      [null, null, null],
      [null, null, null],
      [null, null, null],
    ]);
  });

  it('rounds shares to 0.1, success rates to 0.01 and latency to 0.1', () => {
    const observed = observedTrafficFrom(
      vs,
      selectors,
      {
        requests: [
          sample('reviews-v1', 1),
          sample('reviews-v2', 1),
          sample('reviews-v3', 1),
        ],
        successes: [sample('reviews-v1', 2 / 3)],
        latencyP99: [sample('reviews-v1', 12.345)],
      },
      AT,
      '1m',
    );
    expect(observed.versions[0]).toEqual({
      versionKey: 'reviews/v1',
      requestsPerSecond: 1,
      share: 33.3,
      successRate: 66.67,
      p99Ms: 12.3,
    });
  });

  it('adds up the workloads of a version and takes their highest p99', () => {
    const wide = view([{ route: split([['v1', 100]]) }], {
      deployments: [
        deployment('reviews-v1-extra', { app: 'reviews', version: 'v1' }),
      ],
    });
    const observed = observedTrafficFrom(
      wide,
      observedSelectors(wide),
      {
        requests: [sample('reviews-v1', 3), sample('reviews-v1-extra', 1)],
        successes: [sample('reviews-v1', 3), sample('reviews-v1-extra', 0.5)],
        latencyP99: [sample('reviews-v1', 40), sample('reviews-v1-extra', 250)],
      },
      AT,
      '1m',
    );
    expect(observed.versions).toEqual([
      {
        versionKey: 'reviews/v1',
        requestsPerSecond: 4,
        share: 100,
        successRate: 87.5,
        p99Ms: 250,
      },
    ]);
    expect(observed.unmeasured).toBeUndefined();
  });

  it('only counts the p99 of workloads that answered requests', () => {
    const wide = view([{ route: split([['v1', 100]]) }], {
      deployments: [
        deployment('reviews-v1-idle', { app: 'reviews', version: 'v1' }),
      ],
    });
    const observed = observedTrafficFrom(
      wide,
      observedSelectors(wide),
      {
        requests: [sample('reviews-v1', 3), sample('reviews-v1-idle', 0)],
        successes: [sample('reviews-v1', 3)],
        latencyP99: [sample('reviews-v1', 40), sample('reviews-v1-idle', 9000)],
      },
      AT,
      '1m',
    );
    expect(observed.versions[0].p99Ms).toBe(40);
  });

  it('lists versions in the order of the view', () => {
    const reversed = {
      measured: [...selectors.measured].reverse(),
      unmeasured: [],
    };
    const observed = observedTrafficFrom(
      vs,
      reversed,
      { requests: [], successes: [], latencyP99: [] },
      AT,
      '1m',
    );
    expect(observed.versions.map(v => v.versionKey)).toEqual([
      'reviews/v1',
      'reviews/v2',
      'reviews/v3',
    ]);
  });
});
