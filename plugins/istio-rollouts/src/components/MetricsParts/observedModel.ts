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
  ObservedTrafficView,
  ObservedVersionTraffic,
  RouteView,
  VersionView,
} from '@istio-rollouts/plugin-istio-rollouts-common';

// Pairs what the VirtualService configures with what the metrics observed,
// one row per version, for the observed traffic table and bar.

/**
 * The route whose weights the observed shares are compared with: the
 * catch-all route (no match) that splits between several destinations;
 * failing that, the last route, which is where unmatched traffic ends up.
 */
export function splitRouteOf(routes: RouteView[]): RouteView | undefined {
  return (
    routes.find(
      r => r.match.length === 0 && !r.delegate && r.destinations.length > 1,
    ) ?? routes[routes.length - 1]
  );
}

/** One version: its configured weight and what it received. */
export interface ObservedRow {
  versionKey: string;
  label: string;
  /** Weight in the split route; undefined without a split route. */
  configured?: number;
  /** Absent when the version is unmeasured or the metrics lack it. */
  traffic?: ObservedVersionTraffic;
  /** Why the metrics cannot tell this version's requests apart. */
  unmeasured?: string;
}

/**
 * The rows of the observed table, in the order of the view's versions,
 * then any version the metrics name that the view does not (shown rather
 * than dropped, so no measured traffic goes missing).
 */
export function observedRows(
  versions: VersionView[],
  observed: ObservedTrafficView,
  split: RouteView | undefined,
): ObservedRow[] {
  const configured = (key: string) =>
    split?.destinations
      .filter(d => d.versionKey === key)
      .reduce((sum, d) => sum + d.weight, 0);
  const row = (versionKey: string, label: string): ObservedRow => ({
    versionKey,
    label,
    configured: configured(versionKey),
    traffic: observed.versions.find(t => t.versionKey === versionKey),
    unmeasured: observed.unmeasured?.find(u => u.versionKey === versionKey)
      ?.reason,
  });
  const known = new Set(versions.map(v => v.key));
  return [
    ...versions.map(v => row(v.key, v.label)),
    ...observed.versions
      .filter(t => !known.has(t.versionKey))
      .map(t => row(t.versionKey, t.versionKey)),
  ];
}
