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

// Which routes are half-way through a release, decided from the same views
// the entity's tab shows, so the page and the tab never disagree.

import type { RouteView, VirtualServiceView, RolloutWarning } from '../types';
import type { ReleaseInFlight, ReleaseInFlightStrategy } from './types';

// Controller phases in which a rollout is under way or waits for a person.
// Argo Rollouts: Progressing, Paused; Flagger: every phase between
// Initialized and Succeeded/Failed.
const MID_ROLLOUT_PHASES = new Set([
  'Progressing',
  'Paused',
  'Waiting',
  'WaitingPromotion',
  'Promoting',
  'Finalising',
]);

/**
 * The part of a {@link ReleaseInFlight} that the route itself decides.
 *
 * @public
 */
export type RouteInFlight = Pick<
  ReleaseInFlight,
  'strategy' | 'explanation' | 'split' | 'mirror' | 'managedBy' | 'warnings'
>;

/**
 * The release a route is in the middle of, or undefined when it is at rest:
 * one version takes all traffic, no users are pinned elsewhere, nothing is
 * mirrored, an idle blue-green version no longer runs, and no controller is
 * mid-rollout.
 *
 * @public
 */
export function describeRouteInFlight(
  vs: VirtualServiceView,
  route: RouteView,
): RouteInFlight | undefined {
  const strategy = inFlightStrategy(vs, route);
  if (!strategy) return undefined;
  const labelOf = (key: string) =>
    vs.versions.find(v => v.key === key)?.label ?? key;
  const warnings: RolloutWarning[] = [...route.warnings, ...vs.warnings];
  const result: RouteInFlight = {
    strategy,
    explanation: route.explanation,
    split: route.destinations.map(d => ({
      versionKey: d.versionKey,
      label: labelOf(d.versionKey),
      weight: d.weight,
    })),
    warnings,
  };
  if (route.mirror) {
    result.mirror = {
      versionKey: route.mirror.versionKey,
      label: labelOf(route.mirror.versionKey),
      percentage: route.mirror.percentage,
    };
  }
  if (vs.managedBy && strategy === 'managed') {
    const { controller, namespace, name, phase, step } = vs.managedBy;
    result.managedBy = {
      controller,
      namespace,
      name,
      strategy: vs.managedBy.strategy,
      ...(phase !== undefined && { phase }),
      ...(step !== undefined && { step }),
    };
  }
  return result;
}

function inFlightStrategy(
  vs: VirtualServiceView,
  route: RouteView,
): ReleaseInFlightStrategy | undefined {
  const split = route.destinations.filter(d => d.weight > 0).length > 1;
  switch (route.strategy) {
    case 'canary':
    case 'targeted':
    case 'mirror':
      return route.strategy;
    case 'managed':
      return split || MID_ROLLOUT_PHASES.has(vs.managedBy?.phase ?? '')
        ? 'managed'
        : undefined;
    case 'blue-green': {
      // At rest once the idle version is scaled down: then it is a
      // standby definition, not a second version running.
      const idleRunning = route.destinations.some(
        d =>
          d.weight === 0 &&
          (vs.versions.find(v => v.key === d.versionKey)?.ready ?? 0) > 0,
      );
      return idleRunning ? 'blue-green' : undefined;
    }
    default:
      // A mirror on a route whose strategy says otherwise still copies
      // requests to another version.
      return route.mirror ? 'mirror' : undefined;
  }
}

/**
 * The last time a routing object's spec was written, from its
 * `metadata.managedFields` (each field manager's newest write that owns a
 * field under `spec`), or undefined when none says so.
 *
 * @public
 */
export function lastSpecWrite(managedFields: unknown): string | undefined {
  if (!Array.isArray(managedFields)) return undefined;
  let latest: string | undefined;
  let latestMs = -Infinity;
  for (const entry of managedFields) {
    const time = entry?.time;
    if (typeof time !== 'string') continue;
    const fields = entry?.fieldsV1;
    // Entries that own nothing under spec (status, labels) did not change
    // the routes.
    if (fields && typeof fields === 'object' && !('f:spec' in fields)) {
      continue;
    }
    const ms = Date.parse(time);
    if (Number.isFinite(ms) && ms > latestMs) {
      latestMs = ms;
      latest = new Date(ms).toISOString();
    }
  }
  return latest;
}
