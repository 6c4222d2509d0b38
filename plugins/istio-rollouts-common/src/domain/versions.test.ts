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
import { ClusterObjects } from '../kube/types';
import {
  bag,
  deployment,
  destinationRule,
  reviewsApp,
  service,
  split,
  virtualService,
} from '../__testUtils__/builders';
import { buildVirtualServiceViews } from './buildRolloutView';

function only(objects: ClusterObjects): VirtualServiceView {
  const views = buildVirtualServiceViews(objects);
  expect(views).toHaveLength(1);
  return views[0];
}

describe('buildVirtualServiceViews: versions', () => {
  it('matches subset labels within the Service selector only', () => {
    const objects = bag(reviewsApp(), {
      // Same `version: v1` label, but not a pod of reviews.
      deployments: [
        deployment('ratings-v1', { app: 'ratings', version: 'v1' }),
      ],
      virtualServices: [
        virtualService('reviews', [{ route: split([['v1', undefined]]) }]),
      ],
    });
    expect(only(objects).versions[0].workloads.map(w => w.name)).toEqual([
      'reviews-v1',
    ]);
  });

  it('finds workloads in the host namespace and DestinationRules by resolved host', () => {
    const objects = bag({
      services: [service('pay', { app: 'pay' }, 'payments')],
      destinationRules: [
        destinationRule('pay.payments.svc.cluster.local', ['v1'], 'payments'),
      ],
      deployments: [
        deployment(
          'pay-v1',
          { app: 'pay', version: 'v1' },
          { namespace: 'payments' },
        ),
        deployment(
          'pay-v1',
          { app: 'pay', version: 'v1' },
          { namespace: 'shop' },
        ),
      ],
      virtualServices: [
        virtualService(
          'pay',
          [{ route: split([['v1', undefined]], 'pay.payments') }],
          {
            hosts: ['pay.payments.svc.cluster.local'],
          },
        ),
      ],
    });
    const version = only(objects).versions[0];
    expect(version).toMatchObject({
      key: 'pay.payments/v1',
      label: 'v1',
      fqdn: 'pay.payments.svc.cluster.local',
      labels: { version: 'v1' },
    });
    expect(version.workloads.map(w => w.namespace)).toEqual(['payments']);
  });

  it('keeps labels unique when two hosts have the same subset name', () => {
    const objects = bag({
      destinationRules: [
        destinationRule('a', ['v1']),
        destinationRule('b', ['v1']),
      ],
      virtualServices: [
        virtualService('ab', [
          {
            route: [...split([['v1', 50]], 'a')!, ...split([['v1', 50]], 'b')!],
          },
        ]),
      ],
    });
    const view = only(objects);
    expect(view.versions.map(v => v.label)).toEqual(['a/v1', 'b/v1']);
    expect(view.routes[0].explanation).toBe(
      'Canary: 50% of traffic goes to b/v1, 50% stays on a/v1',
    );
  });
});
