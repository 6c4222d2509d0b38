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
  describeObservedChange,
  lastRouteWriter,
  observedRouteChanges,
} from './observedChanges';

const vs = (http: unknown[]) => ({ spec: { hosts: ['web'], http } });
const route = (name: string | undefined, weights: number[], extra = {}) => ({
  ...(name ? { name } : {}),
  route: weights.map((weight, i) => ({
    destination: { host: 'web', subset: `v${i + 1}` },
    weight,
  })),
  ...extra,
});

describe('observedRouteChanges', () => {
  it('has nothing to compare without a before', () => {
    expect(observedRouteChanges(undefined, vs([route('a', [50, 50])]))).toEqual(
      [],
    );
  });

  it('reports a changed split by route name, with both snapshots', () => {
    const [change, ...more] = observedRouteChanges(
      vs([route('admin', [100]), route('primary', [90, 10])]),
      vs([route('admin', [100]), route('primary', [80, 20])]),
    );
    expect(more).toEqual([]);
    expect(change.route).toBe('primary');
    expect(change.before!.destinations.map(d => d.weight)).toEqual([90, 10]);
    expect(change.after!.destinations.map(d => d.weight)).toEqual([80, 20]);
    expect(change.matchChanged).toBe(false);
    expect(describeObservedChange(change)).toBe(
      'route primary: v1 90% / v2 10% → v1 80% / v2 20%',
    );
  });

  it('ignores what is not traffic: retries, timeouts, order of keys', () => {
    expect(
      observedRouteChanges(
        vs([route('primary', [90, 10], { timeout: '1s' })]),
        vs([route('primary', [90, 10], { timeout: '5s', retries: {} })]),
      ),
    ).toEqual([]);
  });

  it('reports match rules and mirrors', () => {
    const match = [{ headers: { user: { exact: 'qa' } } }];
    const [matchChange] = observedRouteChanges(
      vs([route('t', [100])]),
      vs([route('t', [100], { match })]),
    );
    expect(matchChange.matchChanged).toBe(true);
    expect(describeObservedChange(matchChange)).toBe(
      'route t: match rules changed',
    );
    const [mirror] = observedRouteChanges(
      vs([route('p', [100])]),
      vs([
        route('p', [100], {
          mirror: { host: 'web', subset: 'v2' },
          mirrorPercentage: { value: 5 },
        }),
      ]),
    );
    expect(describeObservedChange(mirror)).toBe(
      'route p: v1 100% → v1 100%; mirror none → v2 5%',
    );
  });

  it('pairs unnamed routes by position and reports added and removed routes', () => {
    const changes = observedRouteChanges(
      vs([route(undefined, [100]), route('gone', [100])]),
      vs([route(undefined, [50, 50]), route('new', [100])]),
    );
    expect(changes.map(c => [c.route, !!c.before, !!c.after])).toEqual([
      [0, true, true],
      ['new', false, true],
      ['gone', true, false],
    ]);
    expect(describeObservedChange(changes[1])).toBe('route new added: v1 100%');
    expect(describeObservedChange(changes[2])).toBe(
      'route gone removed (was v1 100%)',
    );
  });
});

describe('lastRouteWriter', () => {
  const entry = (
    manager: string,
    time: string,
    fields: object,
    op = 'Update',
  ) => ({
    manager,
    operation: op,
    time,
    fieldsV1: fields,
  });

  it('names the newest manager of spec.http, not of labels or status', () => {
    expect(
      lastRouteWriter([
        entry('kubectl-client-side-apply', '2026-11-30T10:00:00Z', {
          'f:spec': { 'f:hosts': {}, 'f:http': {} },
        }),
        entry('kubectl-patch', '2026-11-30T10:05:00Z', {
          'f:spec': { 'f:http': {} },
        }),
        entry('kubectl-label', '2026-11-30T10:09:00Z', {
          'f:metadata': { 'f:labels': {} },
        }),
      ]),
    ).toEqual({
      manager: 'kubectl-patch',
      operation: 'Update',
      time: '2026-11-30T10:05:00Z',
    });
  });

  it('falls back to the newest writer of spec, and to nothing', () => {
    expect(
      lastRouteWriter([
        entry(
          'argocd-controller',
          '2026-11-30T10:00:00Z',
          { 'f:spec': {} },
          'Apply',
        ),
      ]),
    ).toEqual({
      manager: 'argocd-controller',
      operation: 'Apply',
      time: '2026-11-30T10:00:00Z',
    });
    expect(lastRouteWriter(undefined)).toBeUndefined();
    expect(
      lastRouteWriter([{ manager: 'x', fieldsV1: { 'f:status': {} } }]),
    ).toBeUndefined();
  });
});
