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
  destinationLabel,
  normalizeHost,
  readDestinationRef,
  refersTo,
  refuse,
  subsetProblem,
  toIstioDestination,
} from './destinations';

describe('destinations', () => {
  it('normalises the host forms people write in the object’s namespace', () => {
    for (const host of [
      'reviews',
      'reviews.shop',
      'reviews.shop.svc',
      'Reviews.shop.svc.cluster.local.',
    ]) {
      expect(normalizeHost(host, 'shop')).toBe(
        'reviews.shop.svc.cluster.local',
      );
    }
    expect(normalizeHost('reviews.other', 'shop')).toBe('reviews.other');
    expect(normalizeHost('reviews')).toBe('reviews.default.svc.cluster.local');
  });

  it('labels destinations as the view keys versions', () => {
    expect(destinationLabel({ host: 'reviews', subset: 'v2' }, 'shop')).toBe(
      'reviews/v2',
    );
    expect(
      destinationLabel({ host: 'reviews.shop.svc.cluster.local' }, 'shop'),
    ).toBe('reviews');
    expect(
      destinationLabel(
        { host: 'reviews.other.svc.cluster.local', port: 80 },
        'shop',
      ),
    ).toBe('reviews.other (port 80)');
    expect(destinationLabel({ host: 'api.example.com' })).toBe(
      'api.example.com',
    );
  });

  it('matches references by resolved host, subset and (when given) port', () => {
    const d = { host: 'reviews', subset: 'v1', port: 9080 };
    expect(
      refersTo(
        { host: 'reviews.shop.svc.cluster.local', subset: 'v1' },
        d,
        'shop',
      ),
    ).toBe(true);
    expect(
      refersTo({ host: 'reviews', subset: 'v1', port: 9080 }, d, 'shop'),
    ).toBe(true);
    expect(
      refersTo({ host: 'reviews', subset: 'v1', port: 80 }, d, 'shop'),
    ).toBe(false);
    expect(refersTo({ host: 'reviews' }, d, 'shop')).toBe(false);
    expect(
      refersTo(
        { host: 'reviews', subset: 'v1' },
        { host: 'reviews', subset: 'v1' },
      ),
    ).toBe(true);
  });

  it('reads a reference, dropping empty optional fields', () => {
    expect(
      readDestinationRef({ host: 'reviews', subset: '', port: null }, 'to'),
    ).toEqual({
      ok: true,
      ref: { host: 'reviews' },
    });
    expect(
      readDestinationRef({ host: 'reviews', subset: 'v-2', port: 65535 }, 'to'),
    ).toEqual({
      ok: true,
      ref: { host: 'reviews', subset: 'v-2', port: 65535 },
    });
  });

  it.each([
    [undefined, 'to must be an object with a host'],
    [{ host: 'a b' }, 'to: host "a b" is not a host name'],
    [{ host: 'a/b' }, 'to: host "a/b" is not a host name'],
    [
      { host: 'a', subset: 'V1' },
      'to: subset "V1" is not a valid subset name (lowercase letters, digits and \'-\')',
    ],
    [
      { host: 'a', subset: 1 },
      "to: subset 1 is not a valid subset name (lowercase letters, digits and '-')",
    ],
    [{ host: 'a', port: 70000 }, 'to: port 70000 is not a port number'],
    [{ host: 'a', port: '80' }, 'to: port "80" is not a port number'],
  ])('refuses %j', (value, message) => {
    expect(readDestinationRef(value, 'to')).toEqual(refuse(400, message));
  });

  it('checks subsets against the DestinationRules’ hosts in any written form', () => {
    const known = {
      'reviews.shop.svc.cluster.local': ['v1'],
      reviews: ['v2'],
      ratings: 'x' as never,
    };
    expect(
      subsetProblem({ host: 'reviews', subset: 'v1' }, known, 'shop'),
    ).toBeUndefined();
    expect(
      subsetProblem({ host: 'reviews.shop', subset: 'v2' }, known, 'shop'),
    ).toBeUndefined();
    expect(
      subsetProblem({ host: 'reviews', subset: 'v3' }, known, 'shop'),
    ).toBe(
      'subset v3 of reviews/v3 is not defined in any DestinationRule (defined: v1, v2)',
    );
    expect(
      subsetProblem({ host: 'ratings', subset: 'v1' }, known, 'shop'),
    ).toBe(
      'subset v1 of ratings/v1 is not defined: no DestinationRule defines subsets for host ratings',
    );
    expect(subsetProblem({ host: 'ratings' }, known, 'shop')).toBeUndefined();
    expect(
      subsetProblem({ host: 'reviews', subset: 'v9' }, undefined, 'shop'),
    ).toBeUndefined();
  });

  it('builds Istio destinations', () => {
    expect(toIstioDestination({ host: 'r' })).toEqual({ host: 'r' });
    expect(toIstioDestination({ host: 'r', subset: 's', port: 1 })).toEqual({
      host: 'r',
      subset: 's',
      port: { number: 1 },
    });
  });
});
