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
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { serviceEntity } from '../__testUtils__/fixtures';
import { EntityAccess } from './EntityAccess';

describe('EntityAccess.binding', () => {
  const web = serviceEntity('web', {});
  const copycat = { ...serviceEntity('copycat', {}) };
  copycat.metadata.annotations = { 'backstage.io/kubernetes-id': 'web' };

  function access(entities = [web]) {
    const catalog = catalogServiceMock({ entities });
    const getEntities = jest.spyOn(catalog, 'getEntities');
    return {
      getEntities,
      access: new EntityAccess({
        permissions: mockServices.permissions(),
        catalog,
        auth: mockServices.auth(),
        policy: { mode: 'cluster-label', label: 'backstage.io/kubernetes-id' },
      }),
    };
  }

  it('looks the claimants up for every write', async () => {
    const { access: a, getEntities } = access();
    expect((await a.binding(web)).id).toBe('web');
    await a.binding(web, { maxAgeMs: 5_000 });
    await a.binding(web);
    expect(getEntities).toHaveBeenCalledTimes(2);
  });

  it('lets a view reuse a recent look-up, and only a recent one', async () => {
    const { access: a, getEntities } = access([web, copycat]);
    const first = await a.binding(web, { maxAgeMs: 5_000 });
    const second = await a.binding(web, { maxAgeMs: 5_000 });
    expect(getEntities).toHaveBeenCalledTimes(1);
    expect(second).toEqual(first);
    // A contested id binds nothing, cached or not.
    expect(first.id).toBeUndefined();
    expect(first.problem).toContain("'web' is claimed by");
    await new Promise(r => setTimeout(r, 20));
    await a.binding(web, { maxAgeMs: 10 });
    expect(getEntities).toHaveBeenCalledTimes(2);
  });
});
