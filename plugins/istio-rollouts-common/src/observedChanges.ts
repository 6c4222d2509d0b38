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

import { asArray, asString, dig } from './kube/guards';
import { describeSplit, sameSplit, snapshotRoute } from './write/snapshot';
import type { RouteSnapshot } from './write/types';

// Changes to a VirtualService's routes that someone other than the plugin
// made (kubectl, a GitOps tool, Argo Rollouts, Flagger): what the watch sees
// is compared with what it saw before, route by route, and the writer is
// read from `metadata.managedFields`.

/**
 * One http route whose split, match rules or mirror differ between two
 * versions of a VirtualService. A route added has no `before`; a route
 * removed no `after`.
 *
 * @public
 */
export interface ObservedRouteChange {
  /** The route's name, else its index in `spec.http` (after, else before). */
  route: string | number;
  before?: RouteSnapshot;
  after?: RouteSnapshot;
  /** The route's `match` rules changed. */
  matchChanged: boolean;
}

/**
 * Route-level differences between two raw VirtualServices (`before`
 * undefined: nothing known before, so nothing to compare — no changes).
 * Routes are paired by name when both have one, else by position, the way
 * the plugin addresses them.
 *
 * @public
 */
export function observedRouteChanges(
  before: unknown,
  after: unknown,
): ObservedRouteChange[] {
  if (before === undefined || before === null) return [];
  const oldRoutes = asArray(dig(before, 'spec', 'http'));
  const newRoutes = asArray(dig(after, 'spec', 'http'));
  const key = (route: unknown, index: number) =>
    asString(dig(route, 'name')) ?? index;
  const oldByKey = new Map(oldRoutes.map((r, i) => [key(r, i), { r, i }]));
  const seen = new Set<string | number>();
  const changes: ObservedRouteChange[] = [];
  newRoutes.forEach((route, index) => {
    const k = key(route, index);
    seen.add(k);
    const previous = oldByKey.get(k);
    const current = snapshotRoute(route, index);
    if (!previous) {
      changes.push({ route: k, after: current, matchChanged: false });
      return;
    }
    const beforeSnapshot = snapshotRoute(previous.r, previous.i);
    const matchChanged =
      JSON.stringify(dig(previous.r, 'match') ?? null) !==
      JSON.stringify(dig(route, 'match') ?? null);
    if (!sameSplit(beforeSnapshot, current) || matchChanged) {
      changes.push({
        route: k,
        before: beforeSnapshot,
        after: current,
        matchChanged,
      });
    }
  });
  for (const [k, { r, i }] of oldByKey) {
    if (!seen.has(k)) {
      changes.push({
        route: k,
        before: snapshotRoute(r, i),
        matchChanged: false,
      });
    }
  }
  return changes;
}

/**
 * Who last wrote a VirtualService's routes.
 *
 * @public
 */
export interface FieldWriter {
  /** The field manager, e.g. `kubectl-patch`, `argocd-controller`, `flagger`. */
  manager: string;
  /** `Update` or `Apply`. */
  operation?: string;
  /** When, as the API server recorded it (second precision). */
  time?: string;
}

/**
 * The field manager that owns `spec.http` (or part of it) with the newest
 * time. An Update takes ownership of the fields it changes, and a CRD's
 * lists without list-type markers are atomic, so for a VirtualService the
 * manager of `f:spec.f:http` is the last one that changed any route. Falls
 * back to the newest manager of anything under `spec`; undefined when the
 * object carries no managedFields.
 *
 * @public
 */
export function lastRouteWriter(
  managedFields: unknown,
): FieldWriter | undefined {
  const entries = asArray(managedFields)
    .map(entry => ({
      manager: asString(dig(entry, 'manager')),
      operation: asString(dig(entry, 'operation')),
      time: asString(dig(entry, 'time')),
      fields: dig(entry, 'fieldsV1'),
    }))
    .filter(e => e.manager !== undefined);
  const newest = (candidates: typeof entries) =>
    candidates.reduce<(typeof entries)[number] | undefined>(
      (best, e) => (!best || (e.time ?? '') > (best.time ?? '') ? e : best),
      undefined,
    );
  const pick =
    newest(
      entries.filter(e => dig(e.fields, 'f:spec', 'f:http') !== undefined),
    ) ?? newest(entries.filter(e => dig(e.fields, 'f:spec') !== undefined));
  if (!pick) return undefined;
  const writer: FieldWriter = { manager: pick.manager! };
  if (pick.operation) writer.operation = pick.operation;
  if (pick.time) writer.time = pick.time;
  return writer;
}

/**
 * One line on what an observed change did, for the audit record's message.
 *
 * @public
 */
export function describeObservedChange(change: ObservedRouteChange): string {
  const name =
    typeof change.route === 'string'
      ? `route ${change.route}`
      : `route #${change.route}`;
  if (!change.before) return `${name} added: ${describeSplit(change.after!)}`;
  if (!change.after)
    return `${name} removed (was ${describeSplit(change.before)})`;
  const parts: string[] = [];
  if (!sameSplit(change.before, change.after)) {
    parts.push(
      `${describeSplit(change.before)} → ${describeSplit(change.after)}`,
    );
    const mirror = (s: RouteSnapshot) =>
      s.mirror
        ? `${s.mirror.subset ?? s.mirror.host} ${s.mirror.percentage}%`
        : 'none';
    if (mirror(change.before) !== mirror(change.after)) {
      parts.push(`mirror ${mirror(change.before)} → ${mirror(change.after)}`);
    }
  }
  if (change.matchChanged) parts.push('match rules changed');
  return `${name}: ${parts.join('; ')}`;
}
