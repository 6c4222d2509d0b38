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

import { readHttpRoute } from './readHttpRoute';
import { matchKeys, shadowedRules, toIstioMatch } from './httpRouteMatches';

describe('readHttpRoute', () => {
  const read = (rules: unknown[], extra: object = {}) =>
    readHttpRoute({
      apiVersion: 'gateway.networking.k8s.io/v1beta1',
      metadata: { name: 'r', namespace: 'shop' },
      spec: { parentRefs: [{ name: 'gw' }], rules },
      ...extra,
    });

  it('applies Gateway API defaults: kind Service, weight 1, namespace of the route', () => {
    const route = read([
      {
        backendRefs: [
          { name: 'a' },
          { group: 'core', kind: 'Service', name: 'b', weight: 3 },
        ],
      },
    ]);
    expect(route?.apiVersion).toBe('gateway.networking.k8s.io/v1beta1');
    expect(route?.parents).toEqual([
      {
        group: 'gateway.networking.k8s.io',
        kind: 'Gateway',
        namespace: 'shop',
        name: 'gw',
        port: undefined,
        sectionName: undefined,
      },
    ]);
    expect(
      route?.rules[0].backends.map(b => [
        b.group,
        b.kind,
        b.namespace,
        b.name,
        b.weight,
      ]),
    ).toEqual([
      ['', 'Service', 'shop', 'a', 1],
      ['', 'Service', 'shop', 'b', 3],
    ]);
  });

  it('reads mirror percentages: percent, fraction (denominator 100 by default), else 100', () => {
    const mirror = (requestMirror: object) => ({
      filters: [
        {
          type: 'RequestMirror',
          requestMirror: { backendRef: { name: 'm' }, ...requestMirror },
        },
      ],
    });
    const route = read([
      mirror({ percent: 5 }),
      mirror({ fraction: { numerator: 3 } }),
      mirror({ fraction: { numerator: 1, denominator: 3 } }),
      mirror({ fraction: { numerator: 1, denominator: 0 } }),
      mirror({}),
    ]);
    expect(route?.rules.map(r => r.mirrors[0].percentage)).toEqual([
      5, 3, 33.33, 0, 100,
    ]);
  });

  it('counts invalid weights as 0 and remembers them', () => {
    const route = read([
      {
        backendRefs: [
          { name: 'a', weight: -1 },
          { name: 'b', weight: 1.5 },
          { name: 'c', weight: 2000000 },
        ],
      },
    ]);
    expect(
      route?.rules[0].backends.map(b => [b.weight, b.invalidWeight]),
    ).toEqual([
      [0, '-1'],
      [0, '1.5'],
      [0, '2000000'],
    ]);
  });

  it('is undefined without a name', () => {
    expect(readHttpRoute({ spec: {} })).toBeUndefined();
  });
});

describe('HTTPRoute matches and precedence', () => {
  it('keys ignore condition order, header name case and the default path', () => {
    expect(
      matchKeys([
        {
          path: { type: 'PathPrefix', value: '/' },
          headers: [{ name: 'X-A', value: '1' }],
        },
      ]),
    ).toEqual(
      matchKeys([{ headers: [{ type: 'Exact', name: 'x-a', value: '1' }] }]),
    );
    expect(matchKeys([])).toEqual(matchKeys([{ path: { value: '/' } }]));
    expect(
      matchKeys([{ queryParams: [{ name: 'A', value: '1' }] }]),
    ).not.toEqual(matchKeys([{ queryParams: [{ name: 'a', value: '1' }] }]));
  });

  it('keeps only the first of a repeated header name', () => {
    expect(
      toIstioMatch({
        headers: [
          { name: 'x', value: '1' },
          { name: 'X', value: '2' },
        ],
      }),
    ).toEqual({ headers: { x: { exact: '1' } } });
  });

  it('an exact path does not hide a prefix of the same value', () => {
    expect(
      shadowedRules([
        { index: 0, matches: [{ path: { type: 'Exact', value: '/a' } }] },
        { index: 1, matches: [{ path: { type: 'PathPrefix', value: '/a' } }] },
        { index: 2, matches: [{ path: { type: 'Exact', value: '/a' } }] },
      ]),
    ).toEqual(new Map([[2, { by: [0], all: true }]]));
  });
});
