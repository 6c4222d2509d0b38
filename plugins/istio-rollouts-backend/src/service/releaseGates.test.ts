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

import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { readVs, startWebPlugin, weightsOf } from '../__testUtils__/fixtures';

// Permissions mean what they say, against the real local kube-apiserver:
// the rollback permission (for on-call people without deploy rights) never
// promotes, and where owners must request, nothing that releases a version
// is applied directly, whatever the operation is called.

jest.setTimeout(60_000);

async function setUp(
  istioRollouts: Record<string, unknown> = {},
  permission?: (name: string) => AuthorizeResult.ALLOW | AuthorizeResult.DENY,
) {
  const { ns, act } = await startWebPlugin({
    prefix: 'gates',
    permission,
    istioRollouts: { driftWatchSeconds: 0, ...istioRollouts },
  });
  return {
    ns,
    act: (operation: unknown, route = 'primary') => act(operation, {}, route),
  };
}

// Only the rollback permission: an on-call person.
const rollbackOnly = (name: string) =>
  name === 'istio-rollouts.rollback'
    ? AuthorizeResult.ALLOW
    : AuthorizeResult.DENY;

describe('rollback', () => {
  it('refuses a rollback whose stable names the canary: that would be a promotion', async () => {
    const { ns, act } = await setUp({}, rollbackOnly);
    const res = await act({
      type: 'rollback',
      stable: { host: 'web', subset: 'v2' },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toContain(
      "only returns traffic to the route's stable version web subset v1",
    );
    expect(weightsOf(await readVs(ns))).toEqual([90, 10]);
    // The same person's rollback to the stable version goes through.
    const back = await act({ type: 'rollback' });
    expect(back.status).toBe(200);
    expect(weightsOf(await readVs(ns))).toEqual([100, 0]);
  });

  it('returns traffic to the version that was stable when the canary began, wherever it is listed', async () => {
    const { ns, act } = await setUp();
    // The admin route has v1 alone; a canary of v2 begins on it (recorded).
    expect(
      (
        await act(
          { type: 'start-canary', canary: { host: 'web', subset: 'v2' } },
          'admin',
        )
      ).status,
    ).toBe(200);
    expect((await act({ type: 'promote-full' }, 'admin')).status).toBe(200);
    // Rolling back sends everything back to v1, not to the canary at 100%.
    const back = await act({ type: 'rollback' }, 'admin');
    expect(back.status).toBe(200);
    const route = (await readVs(ns)).spec.http[0].route;
    expect(route.map((r: any) => [r.destination.subset, r.weight])).toEqual([
      ['v1', 100],
      ['v2', 0],
    ]);
  });
});

describe('where owners must request (ownersApplyDirectly: false)', () => {
  const config = { approvals: { ownersApplyDirectly: false } };

  it.each([
    [
      'a canary started at 100%',
      {
        type: 'start-canary',
        canary: { host: 'web', subset: 'v2' },
        steps: [100],
      },
      'admin',
    ],
    [
      'targeted users',
      {
        type: 'target-users',
        match: { kind: 'header', name: 'end-user', value: 'jason' },
        to: { host: 'web', subset: 'v2' },
      },
      'primary',
    ],
    [
      'a mirror',
      { type: 'set-mirror', to: { host: 'web', subset: 'v2' }, percentage: 50 },
      'primary',
    ],
    [
      'higher weights',
      {
        type: 'set-weights',
        weights: [
          { host: 'web', subset: 'v1', weight: 50 },
          { host: 'web', subset: 'v2', weight: 50 },
        ],
      },
      'primary',
    ],
  ])('refuses %s applied directly', async (_what, operation, route) => {
    const { ns, act } = await setUp(config);
    const before = await readVs(ns);
    const res = await act(operation, route);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('promotion requests');
    expect((await readVs(ns)).metadata.resourceVersion).toBe(
      before.metadata.resourceVersion,
    );
  });

  it('still applies what only returns traffic to the stable version', async () => {
    const { ns, act } = await setUp(config);
    const lower = await act({
      type: 'set-weights',
      weights: [
        { host: 'web', subset: 'v1', weight: 95 },
        { host: 'web', subset: 'v2', weight: 5 },
      ],
    });
    expect(lower.status).toBe(200);
    expect((await act({ type: 'rollback' })).status).toBe(200);
    expect(weightsOf(await readVs(ns))).toEqual([100, 0]);
  });
});
