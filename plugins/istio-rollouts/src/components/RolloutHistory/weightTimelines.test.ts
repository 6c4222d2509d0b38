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

import type { AuditRecord } from '@istio-rollouts/plugin-istio-rollouts-common';
import {
  CANARY_RECORDS,
  START_RECORD,
  T,
} from '../../__testUtils__/auditRecords';
import { stepPoints, weightSequence, weightTimelines } from './weightTimelines';

const V1 = 'reviews|v1|';
const V2 = 'reviews|v2|';

describe('weightTimelines', () => {
  it('follows a canary 90/10 → 75/25 → 50/50 from the applied route changes only', () => {
    const [timeline, ...others] = weightTimelines(CANARY_RECORDS);

    expect(others).toEqual([]);
    expect(timeline.key).toBe('local/demo/reviews/primary');
    expect(timeline.destinations.map(d => d.key)).toEqual([V1, V2]);
    // The refusal and the scale moved no traffic.
    expect(
      timeline.states.map(s => [s.time, s.weights[V1], s.weights[V2]]),
    ).toEqual([
      [T.first, 90, 10],
      [T.first, 75, 25],
      [T.second, 50, 50],
    ]);
    expect(timeline.states.map(s => s.record?.id)).toEqual([
      undefined,
      '101',
      '104',
    ]);
  });

  it('gives the corners of each step line', () => {
    const [timeline] = weightTimelines(CANARY_RECORDS);
    const start = T.first - 60_000;
    const end = T.second + 60_000;

    expect(stepPoints(timeline, V2, start, end)).toEqual([
      { time: start, weight: 10 },
      { time: T.first, weight: 10 },
      { time: T.first, weight: 25 },
      { time: T.second, weight: 25 },
      { time: T.second, weight: 50 },
      { time: end, weight: 50 },
    ]);
    expect(stepPoints(timeline, V1, start, end).map(p => p.weight)).toEqual([
      90, 90, 75, 75, 50, 50,
    ]);
    expect(weightSequence(timeline, V1)).toEqual([90, 75, 50]);
  });

  it('counts a destination missing from the route as 0%', () => {
    const [timeline] = weightTimelines([...CANARY_RECORDS, START_RECORD]);
    expect(weightSequence(timeline, V2)).toEqual([0, 10, 25, 50]);
    expect(weightSequence(timeline, V1)).toEqual([100, 90, 75, 50]);
  });

  it('keeps one timeline per route, naming routes by name even when a record used the index', () => {
    const byIndex: AuditRecord = {
      ...CANARY_RECORDS[3],
      id: '105',
      createdAt: new Date(T.second + 60_000).toISOString(),
      route: '0',
      weightsBefore: CANARY_RECORDS[0].weightsAfter,
      weightsAfter: {
        index: 0,
        name: 'primary',
        destinations: [
          { host: 'reviews', subset: 'v1', weight: 0 },
          { host: 'reviews', subset: 'v2', weight: 100 },
        ],
      },
    };
    const other: AuditRecord = {
      ...CANARY_RECORDS[3],
      id: '99',
      createdAt: new Date(T.start).toISOString(),
      cluster: 'eu-west',
    };

    const timelines = weightTimelines([byIndex, ...CANARY_RECORDS, other]);

    // The most recently changed route first.
    expect(timelines.map(t => t.key)).toEqual([
      'local/demo/reviews/primary',
      'eu-west/demo/reviews/primary',
    ]);
    expect(weightSequence(timelines[0], V2)).toEqual([10, 25, 50, 100]);
  });

  it('keeps an HTTPRoute apart from a VirtualService of the same name', () => {
    // Records of HTTPRoute changes carry their kind as `routeKind`.
    const httpRoute: AuditRecord = {
      ...CANARY_RECORDS[0],
      id: '105',
      createdAt: new Date(T.second + 60_000).toISOString(),
      routeKind: 'HTTPRoute',
      route: '0',
      weightsBefore: {
        index: 0,
        destinations: [
          { host: 'reviews-v1', port: 8080, weight: 90 },
          { host: 'reviews-v2', port: 8080, weight: 10 },
        ],
      },
      weightsAfter: {
        index: 0,
        destinations: [
          { host: 'reviews-v1', port: 8080, weight: 75 },
          { host: 'reviews-v2', port: 8080, weight: 25 },
        ],
      },
    };

    const timelines = weightTimelines([httpRoute, ...CANARY_RECORDS]);

    expect(timelines.map(t => [t.key, t.routeKind])).toEqual([
      ['HTTPRoute/local/demo/reviews/0', 'HTTPRoute'],
      ['local/demo/reviews/primary', undefined],
    ]);
    expect(weightSequence(timelines[0], 'reviews-v2||8080')).toEqual([10, 25]);
    expect(weightSequence(timelines[1], V2)).toEqual([10, 25, 50]);
  });

  it('has nothing to draw without applied route changes', () => {
    expect(weightTimelines([CANARY_RECORDS[1], CANARY_RECORDS[2]])).toEqual([]);
  });
});
