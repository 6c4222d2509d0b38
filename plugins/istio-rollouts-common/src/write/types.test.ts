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

import {
  JsonPatchOperation,
  PlanRouteChangeResult,
  RouteOperation,
} from './types';

// The types are the contract with the backend and the frontend; these
// checks fail to compile when the union changes without this list.

const examples: {
  [K in RouteOperation['type']]: Extract<RouteOperation, { type: K }>;
} = {
  'set-weights': {
    type: 'set-weights',
    weights: [{ host: 'reviews', subset: 'v1', weight: 100 }],
  },
  'start-canary': {
    type: 'start-canary',
    canary: { host: 'reviews', subset: 'v2' },
    steps: [10, 100],
  },
  'promote-next': {
    type: 'promote-next',
    stable: { host: 'reviews', subset: 'v1' },
  },
  'promote-full': { type: 'promote-full' },
  flip: { type: 'flip' },
  rollback: { type: 'rollback' },
  'target-users': {
    type: 'target-users',
    match: { kind: 'cookie', name: 'user', value: 'jason', operator: 'exact' },
    to: { host: 'reviews', subset: 'v2', port: 9080 },
  },
  'remove-targeting': {
    type: 'remove-targeting',
    routeName: 'istio-rollouts-target-x',
  },
  'set-mirror': {
    type: 'set-mirror',
    to: { host: 'reviews', subset: 'v2' },
    percentage: 5,
  },
  'remove-mirror': { type: 'remove-mirror' },
  finish: { type: 'finish', scaleDownOld: true },
};

describe('write types', () => {
  it('every operation survives JSON, as it crosses HTTP', () => {
    for (const operation of Object.values(examples)) {
      expect(JSON.parse(JSON.stringify(operation))).toEqual(operation);
    }
    expect(Object.keys(examples)).toHaveLength(11);
  });

  it('narrows results and patch operations by their tags', () => {
    const describe = (result: PlanRouteChangeResult) =>
      result.ok
        ? `${result.patch.length} ops`
        : `${result.status} ${result.message}`;
    expect(describe({ ok: false, status: 404, message: 'no route' })).toBe(
      '404 no route',
    );
    const op: JsonPatchOperation = { op: 'remove', path: '/spec/http/0' };
    expect('value' in op).toBe(false);
  });
});
