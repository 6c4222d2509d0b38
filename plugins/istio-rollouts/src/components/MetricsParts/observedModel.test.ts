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

import { observedView } from '../../__testUtils__/metrics';
import { route, version } from '../../__testUtils__/views';
import { observedRows, splitRouteOf } from './observedModel';

describe('splitRouteOf', () => {
  const targeted = route([0, 100], {
    index: 0,
    name: 'jason',
    match: [[{ kind: 'header', name: 'end-user', value: 'jason' }]],
  });

  it('takes the catch-all route that splits, not a matched one before it', () => {
    const split = route([90, 10], { index: 1, name: 'primary' });
    expect(splitRouteOf([targeted, split])).toBe(split);
  });

  it('falls back to the last route when no catch-all route splits', () => {
    const single = route([100], { index: 1, name: 'primary' });
    expect(splitRouteOf([targeted, single])).toBe(single);
    expect(splitRouteOf([])).toBeUndefined();
  });
});

describe('observedRows', () => {
  const versions = [version('v1'), version('v2'), version('v3')];

  it('pairs each version’s configured weight with what it received', () => {
    const rows = observedRows(
      versions,
      observedView({
        unmeasured: [{ versionKey: 'reviews/v3', reason: 'same workload' }],
      }),
      route([90, 10]),
    );
    expect(
      rows.map(r => [r.label, r.configured, r.traffic?.share, r.unmeasured]),
    ).toEqual([
      ['v1', 90, 89.7, undefined],
      ['v2', 10, 10.3, undefined],
      // Not in the split route: 0% configured there.
      ['v3', 0, undefined, 'same workload'],
    ]);
  });

  it('adds up a version’s destinations on several ports', () => {
    const split = route([60, 40]);
    split.destinations[1] = {
      ...split.destinations[1],
      versionKey: 'reviews/v1',
    };
    const [v1] = observedRows(versions, observedView(), split);
    expect(v1.configured).toBe(100);
  });

  it('has no configured weight without a split route', () => {
    const [v1] = observedRows(versions, observedView(), undefined);
    expect(v1.configured).toBeUndefined();
  });

  it('keeps traffic the metrics report for a version the view lacks', () => {
    const observed = observedView();
    observed.versions.push({
      versionKey: 'reviews/v9',
      requestsPerSecond: 1,
      share: 5,
      successRate: 100,
      p99Ms: 3,
    });
    const rows = observedRows(versions.slice(0, 2), observed, route([90, 10]));
    expect(rows.map(r => r.label)).toEqual(['v1', 'v2', 'reviews/v9']);
    expect(rows[2].configured).toBe(0);
  });
});
