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

import type {
  ReleaseInFlight,
  ReleaseSinceSource,
  ReleasesInFlightPage,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { routeLabel } from '../AuditParts';

// How a release in flight reads in the table: pure, so each wording is
// tested without rendering the page.

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

const AGE_UNITS: Array<[string, number]> = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/**
 * How long a route has been in its state, in its largest whole unit:
 * `3 days`, `5 hours`, `1 minute`. Rounded down, so that a route shown as
 * `7 days` is at least seven days old, as the stale threshold counts.
 */
export function formatAge(since: string, now: number = Date.now()): string {
  const age = now - new Date(since).getTime();
  if (Number.isNaN(age)) return since;
  for (const [unit, ms] of AGE_UNITS) {
    if (age >= ms) return plural(Math.floor(age / ms), unit);
  }
  return 'less than a minute';
}

const SINCE_SOURCES: Record<ReleaseSinceSource, string> = {
  audit: 'the change recorded in the audit trail',
  'managed-fields': "the last write to the object's spec",
  created: "the object's creation",
};

/** Where the age comes from, for the age's tooltip. */
export function describeSinceSource(source: ReleaseSinceSource): string {
  return SINCE_SOURCES[source] ?? source;
}

/**
 * The routing object and the route, as the entity's tab names them:
 * `VirtualService demo/reviews` and `Route "primary"`, `Route #1` or, for
 * an HTTPRoute, `Rule 0`.
 */
export function describeRoute(release: ReleaseInFlight): {
  object: string;
  route: string;
} {
  return {
    object: `${release.kind} ${release.namespace}/${release.name}`,
    route: routeLabel(release.route.name ?? release.route.index, release.kind),
  };
}

/** `v1 90% · v2 10%`. */
export function describeSplit(split: ReleaseInFlight['split']): string {
  return split.map(s => `${s.label} ${s.weight}%`).join(' · ');
}

/** `mirrors 20% to v2`, or undefined without shadow traffic. */
export function describeMirror(
  mirror: ReleaseInFlight['mirror'],
): string | undefined {
  return mirror
    ? `mirrors ${mirror.percentage}% to ${mirror.label}`
    : undefined;
}

const CONTROLLERS: Record<string, string> = {
  'argo-rollouts': 'Argo Rollout',
  flagger: 'Flagger Canary',
};

/**
 * The controller that drives the route and where it stands:
 * `Argo Rollout demo/storefront · step 2 of 5 · Paused`.
 */
export function describeManagedBy(
  managedBy: ReleaseInFlight['managedBy'],
): string | undefined {
  if (!managedBy) return undefined;
  const controller = CONTROLLERS[managedBy.controller] ?? managedBy.controller;
  return [
    `${controller} ${managedBy.namespace}/${managedBy.name}`,
    managedBy.step,
    managedBy.phase,
  ]
    .filter(Boolean)
    .join(' · ');
}

/** `3 releases in flight, 1 stale (older than 7 days)`. */
export function describeSummary(
  page: Pick<ReleasesInFlightPage, 'total' | 'staleTotal' | 'staleAfterDays'>,
): string {
  return `${plural(page.total, 'release')} in flight, ${
    page.staleTotal
  } stale (older than ${plural(page.staleAfterDays, 'day')})`;
}
