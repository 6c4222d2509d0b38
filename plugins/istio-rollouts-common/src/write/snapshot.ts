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

import { asArray, asNumber, asString, dig } from '../kube/guards';
import { DestinationRef, RouteSnapshot, SnapshotDestination } from './types';

// Routes reduced to what the audit trail records: who got which share
// before and after a change.

/** A destination reference read from a raw Istio `Destination`. @internal */
export function readRef(raw: unknown): DestinationRef | undefined {
  const host = asString(dig(raw, 'host'));
  if (!host) return undefined;
  const ref: DestinationRef = { host };
  const subset = asString(dig(raw, 'subset'));
  const port = asNumber(dig(raw, 'port', 'number'));
  if (subset) ref.subset = subset;
  if (port !== undefined) ref.port = port;
  return ref;
}

/**
 * The audit snapshot of a raw http route, weights as written (a lone
 * destination 100, a missing weight 0), never scaled to shares: see
 * SnapshotDestination.
 *
 * @public
 */
export function snapshotRoute(raw: unknown, index: number): RouteSnapshot {
  const entries = asArray(dig(raw, 'route'));
  const destinations: SnapshotDestination[] = [];
  for (const entry of entries) {
    const ref = readRef(dig(entry, 'destination'));
    if (ref) {
      const weight = asNumber(dig(entry, 'weight')) ?? 0;
      destinations.push({
        ...ref,
        weight: entries.length === 1 ? 100 : weight,
      });
    }
  }
  const snapshot: RouteSnapshot = { index, destinations };
  const name = asString(dig(raw, 'name'));
  if (name) snapshot.name = name;
  const single = readRef(dig(raw, 'mirror'));
  const first = asArray(dig(raw, 'mirrors'))[0];
  const mirror = single ?? readRef(dig(first, 'destination'));
  if (mirror) {
    const percentage = single
      ? asNumber(dig(raw, 'mirrorPercentage', 'value')) ??
        asNumber(dig(raw, 'mirror_percent')) ??
        asNumber(dig(raw, 'mirrorPercent'))
      : asNumber(dig(first, 'percentage', 'value'));
    // Istio mirrors every request when no percentage is given.
    snapshot.mirror = { ...mirror, percentage: percentage ?? 100 };
  }
  return snapshot;
}

/**
 * Whether two snapshots split traffic the same way: the same destinations
 * with the same weights, and the same mirror. Position and name are not
 * part of the split.
 *
 * @public
 */
export function sameSplit(a: RouteSnapshot, b: RouteSnapshot): boolean {
  const split = (s: RouteSnapshot) =>
    JSON.stringify({ destinations: s.destinations, mirror: s.mirror ?? null });
  return split(a) === split(b);
}

/**
 * A split as people say it: `v1 90% / v2 10%` (the subset, or the host
 * when the destination has none).
 *
 * @public
 */
export function describeSplit(snapshot: RouteSnapshot): string {
  return snapshot.destinations
    .map(d => `${d.subset ?? d.host} ${d.weight}%`)
    .join(' / ');
}
