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
  isTrafficChangeOutcome,
  type AuditRecord,
  type DestinationRef,
  type RouteSnapshot,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { isRouteSnapshot, routeKindOf } from '../AuditParts';

// The pure half of the weights-over-time chart: from audit records to one
// timeline per route, and from a timeline to the corners of each
// destination's step line. No React, so the numbers are tested directly.

/** A destination of a route as the timeline tracks it. */
export interface TimelineDestination extends DestinationRef {
  /** `host|subset|port`: unique within the route. */
  key: string;
}

/** The route's weights from `time` on (until the next state). */
export interface TimelineState {
  /** Epoch milliseconds. */
  time: number;
  /** By destination key; a destination missing from the route has 0. */
  weights: Record<string, number>;
  /** The applied record that produced this state; absent for the initial one. */
  record?: AuditRecord;
}

/** How one route's weights moved. */
export interface WeightTimeline {
  /** `cluster/namespace/virtualService/route`, the kind first when not a VirtualService. */
  key: string;
  cluster: string;
  namespace: string;
  /** The routing object's name, whatever its kind. */
  virtualService: string;
  /** Set when the routing object is no VirtualService (`HTTPRoute`). */
  routeKind?: string;
  /** Route name, or index as a string. */
  route: string;
  /** In order of first appearance. */
  destinations: TimelineDestination[];
  /**
   * The first state is the route before the oldest loaded change (taken
   * from its `weightsBefore`, at that change's time: when it started is not
   * recorded); each later one is an applied change's `weightsAfter`.
   */
  states: TimelineState[];
}

/** One corner of a step line. */
export interface StepPoint {
  time: number;
  weight: number;
}

export function destinationKey(d: DestinationRef): string {
  return `${d.host}|${d.subset ?? ''}|${d.port ?? ''}`;
}

function weightsOf(snapshot: RouteSnapshot): Record<string, number> {
  const weights: Record<string, number> = {};
  for (const d of snapshot.destinations) {
    const key = destinationKey(d);
    weights[key] = (weights[key] ?? 0) + d.weight;
  }
  return weights;
}

// A route is named by its name when it has one: records made by index and
// by name then land on the same timeline, and an index that shifted when
// a targeted route was inserted does not split it.
function routeOf(record: AuditRecord, after: RouteSnapshot): string {
  return after.name ?? record.route ?? String(after.index);
}

/**
 * One timeline per route that has applied or observed changes among
 * `records` (in any order), the most recently changed route first — a
 * kubectl or GitOps change moves traffic as much as the plugin's own.
 * Refusals, failures, unknown outcomes and scales are left out.
 */
export function weightTimelines(records: AuditRecord[]): WeightTimeline[] {
  const applied = records
    .filter(
      r =>
        isTrafficChangeOutcome(r.outcome) &&
        r.virtualService &&
        isRouteSnapshot(r.weightsAfter),
    )
    .sort(
      (a, b) =>
        Date.parse(a.createdAt) - Date.parse(b.createdAt) ||
        a.id.localeCompare(b.id, undefined, { numeric: true }),
    );
  const timelines = new Map<string, WeightTimeline>();
  for (const record of applied) {
    const after = record.weightsAfter as RouteSnapshot;
    const route = routeOf(record, after);
    // An HTTPRoute may share its name with a VirtualService.
    const kind = routeKindOf(record);
    const key = [
      ...(kind === 'VirtualService' ? [] : [kind]),
      record.cluster,
      record.namespace,
      record.virtualService,
      route,
    ].join('/');
    const time = Date.parse(record.createdAt);
    let timeline = timelines.get(key);
    if (!timeline) {
      timeline = {
        key,
        cluster: record.cluster,
        namespace: record.namespace,
        virtualService: record.virtualService!,
        ...(kind === 'VirtualService' ? {} : { routeKind: kind }),
        route,
        destinations: [],
        states: [],
      };
      timelines.set(key, timeline);
      if (isRouteSnapshot(record.weightsBefore)) {
        timeline.states.push({
          time,
          weights: weightsOf(record.weightsBefore),
        });
        addDestinations(timeline, record.weightsBefore);
      }
    }
    timeline.states.push({ time, weights: weightsOf(after), record });
    addDestinations(timeline, after);
  }
  return [...timelines.values()].sort(
    (a, b) => lastTime(b) - lastTime(a) || a.key.localeCompare(b.key),
  );
}

function addDestinations(timeline: WeightTimeline, snapshot: RouteSnapshot) {
  for (const d of snapshot.destinations) {
    const key = destinationKey(d);
    if (!timeline.destinations.some(x => x.key === key)) {
      timeline.destinations.push({
        key,
        host: d.host,
        ...(d.subset ? { subset: d.subset } : {}),
        ...(d.port !== undefined ? { port: d.port } : {}),
      });
    }
  }
}

function lastTime(timeline: WeightTimeline): number {
  return timeline.states[timeline.states.length - 1]?.time ?? 0;
}

/**
 * The corners of one destination's step line from `start` to `end`: its
 * weight holds until the next state, then moves vertically at that time.
 */
export function stepPoints(
  timeline: WeightTimeline,
  destination: string,
  start: number,
  end: number,
): StepPoint[] {
  const weightAt = (i: number) => timeline.states[i].weights[destination] ?? 0;
  if (timeline.states.length === 0) return [];
  const points: StepPoint[] = [{ time: start, weight: weightAt(0) }];
  for (let i = 1; i < timeline.states.length; i++) {
    const { time } = timeline.states[i];
    points.push({ time, weight: weightAt(i - 1) });
    points.push({ time, weight: weightAt(i) });
  }
  points.push({
    time: end,
    weight: weightAt(timeline.states.length - 1),
  });
  return points;
}

/**
 * The successive weights of a destination, repeats dropped (a change to
 * another part of the route leaves it as it was): `[90, 75, 50]`.
 */
export function weightSequence(
  timeline: WeightTimeline,
  destination: string,
): number[] {
  const sequence: number[] = [];
  for (const state of timeline.states) {
    const weight = state.weights[destination] ?? 0;
    if (sequence[sequence.length - 1] !== weight) sequence.push(weight);
  }
  return sequence;
}
