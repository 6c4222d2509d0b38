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
  EMPTY_FILTERS,
  fromSearchParams,
  minAgeDaysError,
  toFilters,
  toSearchParams,
} from './releasesFilters';

describe('releases filters', () => {
  it('leaves out empty fields and sends "stale only" only when checked', () => {
    expect(toFilters(EMPTY_FILTERS)).toEqual({});
    expect(
      toFilters({ ...EMPTY_FILTERS, cluster: '  ', minAgeDays: ' ' }),
    ).toEqual({});
  });

  it('survives the round trip through the URL', () => {
    const filters = toFilters({
      cluster: 'local',
      namespace: 'bookinfo',
      owner: 'team-bookinfo',
      strategy: 'blue-green',
      minAgeDays: '0.5',
      staleOnly: true,
    });
    expect(filters).toEqual({
      cluster: 'local',
      namespace: 'bookinfo',
      owner: 'group:default/team-bookinfo',
      strategy: 'blue-green',
      minAgeDays: 0.5,
      staleOnly: true,
    });
    expect(toFilters(fromSearchParams(toSearchParams(filters)))).toEqual(
      filters,
    );
  });

  it('drops values from the URL the backend would refuse', () => {
    expect(
      fromSearchParams(
        new URLSearchParams('strategy=rolling&minAgeDays=-1&staleOnly=yes'),
      ),
    ).toEqual(EMPTY_FILTERS);
  });

  it('accepts 0 or more days, decimals included', () => {
    expect(minAgeDaysError('')).toBeUndefined();
    expect(minAgeDaysError('0')).toBeUndefined();
    expect(minAgeDaysError('2.5')).toBeUndefined();
    expect(minAgeDaysError('-1')).toBe('A number of days, 0 or more');
    expect(minAgeDaysError('soon')).toBe('A number of days, 0 or more');
  });
});
