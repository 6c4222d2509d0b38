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
  describeManagedBy,
  describeMirror,
  describeSummary,
  formatAge,
} from './releaseText';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const before = (ms: number) => new Date(NOW - ms).toISOString();

describe('formatAge', () => {
  it('reads in the largest whole unit, rounded down', () => {
    expect(formatAge(before(3 * 86_400_000 + 23 * 3_600_000), NOW)).toBe(
      '3 days',
    );
    expect(formatAge(before(86_400_000), NOW)).toBe('1 day');
    expect(formatAge(before(5 * 3_600_000 + 59 * 60_000), NOW)).toBe('5 hours');
    expect(formatAge(before(60_000), NOW)).toBe('1 minute');
    expect(formatAge(before(30_000), NOW)).toBe('less than a minute');
  });

  it('shows an unreadable time as it came', () => {
    expect(formatAge('yesterday', NOW)).toBe('yesterday');
  });
});

describe('describeSummary', () => {
  it('counts the releases and the stale ones, with the threshold', () => {
    expect(
      describeSummary({ total: 3, staleTotal: 1, staleAfterDays: 7 }),
    ).toBe('3 releases in flight, 1 stale (older than 7 days)');
    expect(
      describeSummary({ total: 1, staleTotal: 0, staleAfterDays: 1 }),
    ).toBe('1 release in flight, 0 stale (older than 1 day)');
  });
});

describe('describeMirror and describeManagedBy', () => {
  it('say what is copied where, and which controller stands where', () => {
    expect(describeMirror(undefined)).toBeUndefined();
    expect(
      describeMirror({ versionKey: 'reviews/v2', label: 'v2', percentage: 20 }),
    ).toBe('mirrors 20% to v2');
    expect(
      describeManagedBy({
        controller: 'flagger',
        namespace: 'test',
        name: 'podinfo',
        strategy: 'canary',
        phase: 'Progressing',
      }),
    ).toBe('Flagger Canary test/podinfo · Progressing');
  });
});
