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

import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { ReleaseInFlight } from '@istio-rollouts/plugin-istio-rollouts-common';
import { ReleasesInFlightService } from './ReleasesInFlightService';
import {
  StaleReleaseNotifier,
  readReleasesInFlightConfig,
} from './StaleReleaseNotifier';

function release(name: string, owner: string): ReleaseInFlight {
  return {
    key: `local/VirtualService/shop/${name}/0`,
    cluster: 'local',
    namespace: 'shop',
    kind: 'VirtualService',
    name,
    route: { index: 0 },
    strategy: 'canary',
    explanation: 'Canary',
    split: [],
    entity: { ref: `component:default/${name}`, owner },
    since: '2026-11-01T00:00:00.000Z',
    sinceSource: 'audit',
    stale: true,
    pendingRequests: 0,
    warnings: [],
  };
}

describe('readReleasesInFlightConfig', () => {
  it('defaults to 7 days and no notification', () => {
    expect(readReleasesInFlightConfig(new ConfigReader({}))).toEqual({
      staleAfterMs: 7 * 86_400_000,
    });
  });

  it('reads the threshold and the notification period', () => {
    expect(
      readReleasesInFlightConfig(
        new ConfigReader({
          istioRollouts: {
            releasesInFlight: {
              staleAfter: { days: 3 },
              notifyOwners: { enabled: true, frequency: 'PT12H' },
            },
          },
        }),
      ),
    ).toEqual({
      staleAfterMs: 3 * 86_400_000,
      notifyOwners: { frequency: { hours: 12 } },
    });
  });

  it('refuses a threshold of zero', () => {
    expect(() =>
      readReleasesInFlightConfig(
        new ConfigReader({
          istioRollouts: { releasesInFlight: { staleAfter: { days: 0 } } },
        }),
      ),
    ).toThrow(/staleAfter must be a positive duration/);
  });
});

describe('StaleReleaseNotifier', () => {
  it('sends each owning team one notification that replaces the previous one', async () => {
    const sent: any[] = [];
    const notifier = new StaleReleaseNotifier({
      releases: {
        staleAfterMs: 7 * 86_400_000,
        staleByOwner: async () =>
          new Map([
            [
              'group:default/team-a',
              ['one', 'two', 'three', 'four', 'five', 'six'].map(n =>
                release(n, 'group:default/team-a'),
              ),
            ],
            [
              'group:default/team-b',
              [release('seven', 'group:default/team-b')],
            ],
          ]),
      } as unknown as ReleasesInFlightService,
      notifications: {
        send: async (n: any) => {
          if (n.recipients.entityRef === 'group:default/team-b') {
            throw new Error('notifications backend down');
          }
          sent.push(n);
        },
      },
      logger: mockServices.logger.mock(),
      pageLink: '/istio-rollouts-releases',
    });
    expect(await notifier.notifyOnce()).toEqual({ owners: 1, releases: 6 });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      recipients: { type: 'entity', entityRef: 'group:default/team-a' },
      payload: {
        title: '6 releases in flight for more than 7 days',
        link: '/istio-rollouts-releases',
        scope: 'istio-rollouts:stale-releases:group:default/team-a',
      },
    });
    expect(sent[0].payload.description).toMatch(
      /^component:default\/one: canary on local VirtualService shop\/one since 2026-11-01; .*; and 1 more$/,
    );
  });
});
