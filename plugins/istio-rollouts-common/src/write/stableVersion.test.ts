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

import { stableVersion } from './stableVersion';

const dest = (host: string, subset: string, weight: number) => ({
  host,
  subset,
  weight,
});

describe('stableVersion', () => {
  it('takes the recorded stable while the route still has it, wherever it is listed', () => {
    const route = [dest('web', 'v2', 75), dest('web', 'v1', 25)];
    expect(
      stableVersion(route, 'shop', {
        host: 'web.shop.svc.cluster.local',
        subset: 'v1',
      }),
    ).toEqual({ host: 'web', subset: 'v1', port: undefined });
  });

  it('falls back to the first-listed destination, whatever the weights', () => {
    // After a full promotion the stable has no traffic.
    expect(
      stableVersion([dest('web', 'v1', 0), dest('web', 'v2', 100)], 'shop'),
    ).toMatchObject({ subset: 'v1' });
    // A recorded stable the route no longer has does not count.
    expect(
      stableVersion([dest('web', 'v1', 90), dest('web', 'v3', 10)], 'shop', {
        host: 'web',
        subset: 'v0',
      }),
    ).toMatchObject({ subset: 'v1' });
    expect(stableVersion([], 'shop')).toBeUndefined();
  });
});
