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

import { ClusterObjects } from '../kube/types';
import { buildVirtualServiceViews } from './buildRolloutView';

// Objects reach the package as unknown JSON; nothing odd may throw.
const junk: unknown[] = [
  null,
  undefined,
  0,
  'vs',
  [],
  {},
  { metadata: null },
  { metadata: { name: 7 } },
  { metadata: { name: 'a' }, spec: null },
  { metadata: { name: 'b' }, spec: { http: null, tcp: 'x', tls: [null] } },
  {
    metadata: { name: 'c' },
    spec: { hosts: 'x', http: [null, 1, 'r', [], {}] },
  },
  {
    metadata: { name: 'd', namespace: '', labels: [], annotations: 'x' },
    spec: {
      hosts: [1, null, 'd'],
      http: [
        { route: {} },
        {
          route: [
            null,
            {},
            { destination: null },
            { destination: { host: 5 } },
          ],
        },
        { route: [{ destination: { host: 'x', port: 'p' }, weight: {} }] },
        {
          match: 'x',
          route: [{ destination: { host: 'x' } }],
          mirror: 'y',
          mirrors: {},
        },
        { match: [{ headers: null, uri: [] }], delegate: { namespace: 'x' } },
        { mirror: { host: 'm' }, mirrorPercentage: { value: 'ten' } },
        {
          fault: { abort: null, delay: 1 },
          route: [{ destination: { host: 'x', subset: 3 } }],
        },
      ],
    },
  },
];

describe('buildVirtualServiceViews on odd input', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'objects'],
    ['an empty object', {}],
    ['a non-list field', { virtualServices: 'x' }],
    [
      'junk of every kind',
      {
        virtualServices: junk,
        destinationRules: junk,
        deployments: junk,
        services: junk,
        rollouts: junk,
        canaries: junk,
      },
    ],
  ])('never throws on %s', (_name, input) => {
    expect(() =>
      buildVirtualServiceViews(input as unknown as ClusterObjects),
    ).not.toThrow();
  });

  it('keeps every named VirtualService, defaulting the namespace', () => {
    const views = buildVirtualServiceViews({
      virtualServices: junk,
    } as unknown as ClusterObjects);
    expect(views.map(v => `${v.namespace}/${v.name}`)).toEqual([
      'default/a',
      'default/b',
      'default/c',
      'default/d',
    ]);
    const d = views[3];
    expect(d.hosts).toEqual(['d']);
    expect(d.routes).toHaveLength(7);
    expect(d.routes[2].destinations).toEqual([
      { versionKey: 'x', host: 'x', weight: 100 },
    ]);
    expect(d.routes[2].warnings.map(w => w.code)).toContain('weight-invalid');
    expect(d.routes[5]).toMatchObject({
      strategy: 'unknown',
      mirror: { host: 'm', percentage: 100 },
    });
    expect(d.routes[6].destinations[0].subset).toBeUndefined();
  });

  it('reads numbers written as strings and numeric labels', () => {
    const views = buildVirtualServiceViews({
      virtualServices: [
        {
          metadata: { name: 'n' },
          spec: {
            http: [
              {
                route: [
                  { destination: { host: 'n', subset: 'v1' }, weight: '70' },
                  { destination: { host: 'n', subset: 'v2' }, weight: 30 },
                ],
              },
            ],
          },
        },
      ],
      destinationRules: [
        {
          metadata: { name: 'n' },
          spec: {
            host: 'n',
            subsets: [{ name: 'v1', labels: { version: 1 } }],
          },
        },
      ],
    } as unknown as ClusterObjects);
    expect(views[0].routes[0].destinations.map(d => d.weight)).toEqual([
      70, 30,
    ]);
    expect(views[0].versions[0].labels).toEqual({ version: '1' });
  });
});
