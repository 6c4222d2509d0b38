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
  hostMatches,
  parseServiceFqdn,
  resolveHost,
  serviceFqdn,
  shortHostName,
} from './hosts';

describe('resolveHost', () => {
  const namespaces = new Set(['ns', 'other']);
  it.each([
    ['reviews', 'reviews.ns.svc.cluster.local'],
    ['Reviews', 'reviews.ns.svc.cluster.local'],
    ['reviews.other', 'reviews.other.svc.cluster.local'],
    ['reviews.other.svc', 'reviews.other.svc.cluster.local'],
    ['reviews.other.svc.cluster.local', 'reviews.other.svc.cluster.local'],
    ['reviews.other.svc.cluster.local.', 'reviews.other.svc.cluster.local'],
    ['*', '*'],
    ['*.ns.svc.cluster.local', '*.ns.svc.cluster.local'],
    ['*.example.com', '*.example.com'],
    ['example.com', 'example.com'],
    ['www.googleapis.com', 'www.googleapis.com'],
    ['10.0.0.1', '10.0.0.1'],
    ['', ''],
  ])('%s in ns -> %s', (host, expected) => {
    expect(resolveHost(host, 'ns', { namespaces })).toBe(expected);
  });

  it('keeps name.ns as written when the namespace is not known', () => {
    expect(resolveHost('reviews.ns', 'ns')).toBe('reviews.ns');
    expect(resolveHost('reviews', 'ns', { clusterDomain: 'corp' })).toBe(
      'reviews.ns.svc.corp',
    );
  });
});

describe('service hosts', () => {
  it('builds and parses Service FQDNs', () => {
    expect(serviceFqdn('reviews', 'ns')).toBe('reviews.ns.svc.cluster.local');
    expect(parseServiceFqdn('reviews.ns.svc.cluster.local')).toEqual({
      name: 'reviews',
      namespace: 'ns',
    });
    expect(parseServiceFqdn('a.b.c.svc.cluster.local')).toBeUndefined();
    expect(parseServiceFqdn('*.ns.svc.cluster.local')).toBeUndefined();
    expect(parseServiceFqdn('example.com')).toBeUndefined();
  });

  it('shortens hosts for display', () => {
    expect(shortHostName('reviews.ns.svc.cluster.local', 'ns')).toBe('reviews');
    expect(shortHostName('reviews.ns.svc.cluster.local', 'x')).toBe(
      'reviews.ns',
    );
    expect(shortHostName('example.com', 'ns')).toBe('example.com');
  });

  it('matches wildcards', () => {
    expect(hostMatches('*', 'a.ns.svc.cluster.local')).toBe(true);
    expect(
      hostMatches('*.ns.svc.cluster.local', 'a.ns.svc.cluster.local'),
    ).toBe(true);
    expect(hostMatches('*.ns.svc.cluster.local', 'a.x.svc.cluster.local')).toBe(
      false,
    );
    expect(
      hostMatches('a.ns.svc.cluster.local', 'a.ns.svc.cluster.local'),
    ).toBe(true);
  });
});
