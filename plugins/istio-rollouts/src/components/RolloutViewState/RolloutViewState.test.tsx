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

import { Entity } from '@backstage/catalog-model';
import { renderInTestApp } from '@backstage/test-utils';
import type { EntityRolloutView } from '@istio-rollouts/plugin-istio-rollouts-common';
import { screen } from '@testing-library/react';
import { ReactElement } from 'react';
import { responseError } from '../../__testUtils__/api';
import {
  CATALOG_ROUTES,
  Providers,
  testEntity,
  unannotatedEntity,
} from '../../__testUtils__/render';
import { entityRolloutView, route, vsView } from '../../__testUtils__/views';
import { IstioRolloutsContent } from '../IstioRolloutsContent';
import { IstioRolloutsOverviewCard } from '../IstioRolloutsOverviewCard';

// The tab and the overview card show the same entity: for each state of
// its view, both must say the same thing.

/** Every title a state is announced by, in either place. */
const TITLES = [
  'Missing Annotation',
  'No cluster configured',
  'Cluster unreachable',
  'No VirtualService found',
  "You may not see this service's rollouts",
];

interface Case {
  state: string;
  entity?: () => Entity;
  getEntityView: () => Promise<EntityRolloutView>;
  /** The title both say (one of TITLES), and details both give. */
  title: string;
  details: Array<string | RegExp>;
}

const CASES: Case[] = [
  {
    state: 'no cluster configured',
    getEntityView: async () => entityRolloutView([]),
    title: 'No cluster configured',
    details: [/kubernetes\.clusterLocatorMethods/],
  },
  {
    state: 'cluster unreachable',
    getEntityView: async () =>
      entityRolloutView([
        {
          cluster: 'local',
          virtualServices: [],
          error: {
            type: 'unreachable',
            message: 'cannot reach the API server (ECONNREFUSED)',
          },
        },
      ]),
    title: 'Cluster unreachable',
    details: [
      /Cluster unreachable: local/,
      'cannot reach the API server (ECONNREFUSED)',
    ],
  },
  {
    state: 'one cluster unreachable, another showing its routes',
    getEntityView: async () =>
      entityRolloutView([
        { cluster: 'local', virtualServices: [vsView([route([90, 10])])] },
        {
          cluster: 'eu-west',
          virtualServices: [],
          error: { type: 'unreachable', message: 'connect ECONNREFUSED' },
        },
      ]),
    title: 'Cluster unreachable',
    details: [
      /Cluster unreachable: eu-west/,
      'connect ECONNREFUSED',
      'Canary: 10% of traffic goes to v2, 90% stays on v1',
    ],
  },
  {
    state: 'missing annotation',
    entity: unannotatedEntity,
    getEntityView: () => Promise.reject(new Error('not expected')),
    title: 'Missing Annotation',
    details: [/istio-rollouts\/virtual-services/],
  },
  {
    state: 'no routes found',
    getEntityView: async () =>
      entityRolloutView([{ cluster: 'local', virtualServices: [] }]),
    title: 'No VirtualService found',
    details: [/No VirtualService matches this service on local/],
  },
  {
    state: 'permission denied',
    getEntityView: async () => {
      throw await responseError(
        403,
        'NotAllowedError',
        'You may not read the rollouts of component:default/reviews',
      );
    },
    title: "You may not see this service's rollouts",
    details: ['You may not read the rollouts of component:default/reviews'],
  },
];

/** Which titles the rendered component shows, and which of the details. */
async function renderedNotice(ui: ReactElement, c: Case) {
  const { unmount } = await renderInTestApp(
    <Providers
      api={{ getEntityView: c.getEntityView }}
      entity={(c.entity ?? testEntity)()}
    >
      {ui}
    </Providers>,
    CATALOG_ROUTES,
  );
  await screen.findAllByText(c.title, { exact: false });
  const titles = TITLES.filter(
    t => screen.queryAllByText(t, { exact: false }).length > 0,
  );
  const details = c.details.filter(d => screen.queryAllByText(d).length > 0);
  unmount();
  return { titles, details };
}

// The tab renders its requests and history too: slow on a busy machine.
jest.setTimeout(30_000);

describe('the tab and the overview card', () => {
  it.each(CASES)('say the same when $state', async c => {
    const tab = await renderedNotice(<IstioRolloutsContent />, c);
    const card = await renderedNotice(<IstioRolloutsOverviewCard />, c);

    expect(tab).toEqual({ titles: [c.title], details: c.details });
    expect(card).toEqual(tab);
  });
});
