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

import { v1, v2 } from './__testUtils__/fixtures';
import { planRouteChange } from './planRouteChange';
import { applyJsonPatch } from './__testUtils__/applyJsonPatch';

function vs(route: object[]) {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'reviews', namespace: 'shop', resourceVersion: '7' },
    spec: {
      hosts: ['reviews'],
      http: [{ name: 'primary', route, retries: { attempts: 2 } }],
    },
  };
}

describe('finish', () => {
  it('removes the idle destinations once one version has all the traffic', () => {
    const object = vs([
      { destination: v1, weight: 0 },
      { destination: v2, weight: 100 },
    ]);

    const plan = planRouteChange({
      virtualService: object,
      route: 'primary',
      operation: { type: 'finish' },
    });

    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.patch[0]).toEqual({
      op: 'test',
      path: '/metadata/resourceVersion',
      value: '7',
    });
    expect(plan.patch.filter(op => op.op !== 'test')).toEqual([
      { op: 'remove', path: '/spec/http/0/route/0' },
    ]);
    const after = applyJsonPatch(object, plan.patch) as any;
    expect(after.spec.http[0]).toEqual({
      name: 'primary',
      route: [{ destination: v2, weight: 100 }],
      retries: { attempts: 2 },
    });
    expect(plan.resultingRoute).toEqual(after.spec.http[0]);
    expect(plan.after.destinations).toEqual([{ ...v2, weight: 100 }]);
  });

  it.each([
    [
      [
        { destination: v1, weight: 90 },
        { destination: v2, weight: 10 },
      ],
      /promote fully first/,
    ],
    [[{ destination: v1 }], /single destination/],
  ])('refuses %j', (route, message) => {
    const plan = planRouteChange({
      virtualService: vs(route),
      route: 0,
      operation: { type: 'finish' },
    });

    expect(plan).toEqual({
      ok: false,
      status: 409,
      message: expect.stringMatching(message),
    });
  });
});
