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

import path from 'path';
import { KubeObject } from '../kube/types';
import {
  describeIfShared,
  dir,
  files,
  parsed,
} from '../__testUtils__/realFixtures';
import { expectSafePlan } from './__testUtils__/fixtures';
import { planRouteChange } from './planRouteChange';
import { PlanRouteChangeResult, RouteOperation } from './types';

// Every http route of every public sample VirtualService gets every
// operation planned: a refusal with a message or a plan that passes every
// guarantee (tests first, nothing else changed, stale objects refused).

const operations: RouteOperation[] = [
  { type: 'start-canary', canary: { host: 'canary-host', subset: 'canary' } },
  { type: 'promote-next' },
  { type: 'promote-full' },
  { type: 'flip' },
  { type: 'rollback' },
  {
    type: 'target-users',
    match: { kind: 'header', name: 'end-user', value: 'jason' },
    to: { host: 'canary-host' },
  },
  {
    type: 'target-users',
    match: { kind: 'cookie', name: 'user', value: 'dev' },
    to: { host: 'canary-host' },
  },
  { type: 'set-mirror', to: { host: 'canary-host' }, percentage: 10 },
  { type: 'remove-mirror' },
];

describeIfShared('real fixtures: planning changes', () => {
  it('plans or refuses every operation on every route', () => {
    const results: Array<{ vs: unknown; result: PlanRouteChangeResult }> = [];
    for (const file of files) {
      const vss = (parsed.get(file) ?? []).filter(
        o => (o as KubeObject | null)?.kind === 'VirtualService',
      ) as Array<{ metadata?: object; spec?: { http?: unknown[] } }>;
      for (const raw of vss) {
        // Samples are manifests, not API objects: give them a resourceVersion.
        const vs = {
          ...raw,
          metadata: { ...raw.metadata, resourceVersion: '1' },
        };
        const count = Array.isArray(vs.spec?.http) ? vs.spec!.http!.length : 0;
        for (let route = 0; route < count; route++) {
          for (const operation of operations) {
            results.push({
              vs,
              result: planRouteChange({ virtualService: vs, route, operation }),
            });
          }
        }
      }
    }
    const plans = results.filter(r => r.result.ok);
    const refusals = results.flatMap(r => (r.result.ok ? [] : [r.result]));
    expect(plans.length).toBeGreaterThan(100);
    expect(refusals.length).toBeGreaterThan(0);
    plans.forEach(({ vs, result }) => expectSafePlan(vs as never, result));
    expect(refusals.filter(r => /could not plan/.test(r.message))).toEqual([]);
    expect(
      refusals.filter(r => ![400, 404, 409, 422].includes(r.status)),
    ).toEqual([]);
    expect(path.isAbsolute(dir)).toBe(true);
  });
});
