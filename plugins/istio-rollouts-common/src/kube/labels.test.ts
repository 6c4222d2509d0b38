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
  labelsInclude,
  matchesLabelSelector,
  parseLabelSelector,
} from './labels';

describe('labelsInclude', () => {
  it('needs every selector entry, and a non-empty selector', () => {
    expect(labelsInclude({ app: 'a', version: 'v1' }, { app: 'a' })).toBe(true);
    expect(labelsInclude({ app: 'a' }, { app: 'a', version: 'v1' })).toBe(
      false,
    );
    expect(labelsInclude({ app: 'a' }, {})).toBe(false);
  });
});

describe('parseLabelSelector', () => {
  it('parses equality, set and existence requirements', () => {
    expect(
      parseLabelSelector(
        'app=reviews, tier==web,env!=dev,zone in (a, b),x notin (c),k,!gone',
      ),
    ).toEqual({
      requirements: [
        { key: 'app', operator: 'in', values: ['reviews'] },
        { key: 'tier', operator: 'in', values: ['web'] },
        { key: 'env', operator: 'notin', values: ['dev'] },
        { key: 'zone', operator: 'in', values: ['a', 'b'] },
        { key: 'x', operator: 'notin', values: ['c'] },
        { key: 'k', operator: 'exists' },
        { key: 'gone', operator: 'doesnotexist' },
      ],
    });
    expect(parseLabelSelector('backstage.io/kubernetes-id=reviews')).toEqual({
      requirements: [
        {
          key: 'backstage.io/kubernetes-id',
          operator: 'in',
          values: ['reviews'],
        },
      ],
    });
  });

  it.each(['', '=x', 'a in b', 'a in (b c)', 'a=b=c', 'a b'])(
    'rejects %j',
    raw => {
      expect(parseLabelSelector(raw)).toHaveProperty('error');
    },
  );

  it('accepts an empty value, as Kubernetes does (`app=` selects app="")', () => {
    expect(parseLabelSelector('app=')).toEqual({
      requirements: [{ key: 'app', operator: 'in', values: [''] }],
    });
  });

  it('matches labels as Kubernetes does', () => {
    const parsed = parseLabelSelector('app in (a,b),env!=dev,!legacy');
    if ('error' in parsed) throw new Error(parsed.error);
    const { requirements } = parsed;
    expect(matchesLabelSelector({ app: 'a' }, requirements)).toBe(true);
    expect(matchesLabelSelector({ app: 'b', env: 'prod' }, requirements)).toBe(
      true,
    );
    expect(matchesLabelSelector({ app: 'c' }, requirements)).toBe(false);
    expect(matchesLabelSelector({ app: 'a', env: 'dev' }, requirements)).toBe(
      false,
    );
    expect(matchesLabelSelector({ app: 'a', legacy: '' }, requirements)).toBe(
      false,
    );
    expect(matchesLabelSelector({ app: 'a' }, [])).toBe(false);
    expect(
      matchesLabelSelector({ k: 'v' }, [{ key: 'k', operator: 'exists' }]),
    ).toBe(true);
  });
});
