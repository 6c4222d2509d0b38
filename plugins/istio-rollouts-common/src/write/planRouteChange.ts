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

import { asString, dig, isRecord, JsonRecord } from '../kube/guards';
import {
  normalizeHost,
  refersTo,
  refuse,
  toIstioDestination,
} from './destinations';
import { PatchBuilder, PathSegment } from './patchBuilder';
import {
  checkSubset,
  Context,
  MIRROR_FIELDS,
  Outcome,
  pinRoute,
  removeMirror,
  removeRoute,
  removeTargeting,
  setMirror,
  targetUsers,
} from './routeEdits';
import {
  currentShares,
  findRoute,
  readRoute,
  readWriteTarget,
} from './routeModel';
import { readRef, snapshotRoute } from './snapshot';
import { isTargetRouteName } from './targetRoute';
import {
  PlanRouteChangeOptions,
  PlanRouteChangeResult,
  RouteChangeRefusal,
  RouteChangePlan,
} from './types';
import { planWeights } from './weightOperations';
import { finishRoute } from './finishRoute';

// Planning is separate from applying (as in Argo Rollouts' istio router):
// this turns a fresh VirtualService and an operation into a JSON Patch that
// touches only the fields it means to change, guarded by `test` operations,
// so a concurrent change makes the API server refuse the whole patch.

/**
 * Every operation type of a route action (the `type` of a RouteOperation).
 *
 * @public
 */
export const ROUTE_OPERATION_TYPES = [
  'set-weights',
  'start-canary',
  'promote-next',
  'promote-full',
  'flip',
  'rollback',
  'target-users',
  'remove-targeting',
  'set-mirror',
  'remove-mirror',
  'finish',
];

function changeWeights(op: JsonRecord, ctx: Context): Outcome {
  const { route, builder, base, target } = ctx;
  const change = planWeights(op, route, target.namespace);
  if (!change.ok) return change;
  // Traffic moves to a destination when its planned weight exceeds its
  // current share (5/5 → 50/50 moves nothing), not its raw weight.
  const shares = currentShares(route);
  for (const d of route.destinations) {
    if (change.weights[d.position] > shares[d.position]) {
      const refusal = checkSubset(ctx, d);
      if (refusal) return refusal;
    }
  }
  const refusal = change.added && checkSubset(ctx, change.added.ref);
  if (refusal) return refusal;

  const count = route.destinations.length + (change.added ? 1 : 0);
  for (const d of route.destinations) {
    // A lone destination takes all traffic whatever its weight, so a
    // missing one stays missing; with several, every weight is written.
    if (d.hasWeight || count > 1) {
      builder.set(
        [...base, 'route', d.position, 'weight'],
        change.weights[d.position],
      );
    }
  }
  if (change.added) {
    builder.insert([...base, 'route', route.destinations.length], {
      destination: toIstioDestination(change.added.ref),
      weight: change.added.weight,
    });
  }
  if (op.type !== 'rollback' || change.stable === undefined) {
    return { ok: true, shift: 0 };
  }

  // Rollback also undoes what this plugin adds around a route. A mirror
  // cannot carry a marker, so the one removed is a mirror to another
  // version of the route's own service (what set-mirror is for); a mirror
  // to an unrelated host, e.g. a traffic recorder, is someone else's.
  const stable = route.destinations[change.stable];
  const mirror = readRef(route.raw.mirror);
  const hosts = new Set(
    route.destinations.map(d => normalizeHost(d.host, target.namespace)),
  );
  if (
    mirror &&
    hosts.has(normalizeHost(mirror.host, target.namespace)) &&
    !refersTo(
      { host: stable.host, subset: stable.subset },
      mirror,
      target.namespace,
    )
  ) {
    MIRROR_FIELDS.forEach(field => builder.remove([...base, field]));
  }
  // Targeted routes are inserted just before the route they belong to, so
  // the run of our routes right above it is this route's targeting.
  const removedRoutes: Array<{ index: number; name: string }> = [];
  for (let i = route.index - 1; i >= 0; i--) {
    const name = asString(dig(target.http[i], 'name'));
    if (!isTargetRouteName(name)) break;
    removeRoute(ctx, i, name!);
    removedRoutes.push({ index: i, name: name! });
  }
  return removedRoutes.length
    ? { ok: true, shift: -removedRoutes.length, removedRoutes }
    : { ok: true, shift: 0 };
}

/** The operation as a record with a known type, or a 400 that says why not. @internal */
export function readOperation(
  op: unknown,
): { ok: true; op: JsonRecord & { type: string } } | RouteChangeRefusal {
  if (
    !isRecord(op) ||
    typeof op.type !== 'string' ||
    !ROUTE_OPERATION_TYPES.includes(op.type)
  ) {
    return refuse(
      400,
      `unknown operation ${JSON.stringify(
        isRecord(op) ? op.type ?? null : op ?? null,
      )}; expected one of ${ROUTE_OPERATION_TYPES.join(', ')}`,
    );
  }
  return { ok: true, op: op as JsonRecord & { type: string } };
}

/**
 * Runs a planner so that it never throws: only a bug gets to the catch,
 * and it is answered as a refusal rather than a 500.
 *
 * @internal
 */
export function planSafely(
  planner: () => PlanRouteChangeResult,
): PlanRouteChangeResult {
  try {
    return planner();
  } catch (error) {
    return refuse(
      422,
      `could not plan the change: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  }
}

function plan(options: PlanRouteChangeOptions): PlanRouteChangeResult {
  const readOp = readOperation(options.operation);
  if (!readOp.ok) return readOp;
  const { op } = readOp;
  const read = readWriteTarget(options.virtualService);
  if (!read.ok) return read;
  const { target } = read;
  const found = findRoute(target, options.route);
  if (!found.ok) return found;
  const routeRead = readRoute(target, found.index);
  if (!routeRead.ok) return routeRead;
  const { route } = routeRead;

  const builder = new PatchBuilder(options.virtualService);
  const base: PathSegment[] = ['spec', 'http', route.index];
  builder.test(['metadata', 'resourceVersion'], target.resourceVersion);
  pinRoute(builder, route, base);
  const ctx: Context = {
    target,
    route,
    base,
    builder,
    knownSubsets: options.knownSubsets,
  };

  let outcome: Outcome;
  if (op.type === 'target-users') outcome = targetUsers(op, ctx);
  else if (op.type === 'remove-targeting') outcome = removeTargeting(op, ctx);
  else if (op.type === 'set-mirror') outcome = setMirror(op, ctx);
  else if (op.type === 'remove-mirror') outcome = removeMirror(ctx);
  else if (op.type === 'finish') outcome = finishRoute(ctx);
  else outcome = changeWeights(op, ctx);
  if (!outcome.ok) return outcome;

  const index = route.index + outcome.shift;
  const resultingRoute = builder.get(['spec', 'http', index]);
  const result: RouteChangePlan = {
    ok: true,
    patch: builder.patch,
    changed: builder.changed,
    before: snapshotRoute(route.raw, route.index),
    after: snapshotRoute(resultingRoute, index),
    resultingRoute,
  };
  if (outcome.addedRoute) result.addedRoute = outcome.addedRoute;
  if (outcome.removedRoutes) result.removedRoutes = outcome.removedRoutes;
  return result;
}

/**
 * Plans a change to one http route of a VirtualService as an RFC 6902 JSON
 * Patch. The patch starts with `test` operations pinning
 * `metadata.resourceVersion`, the route's name and each of its destinations
 * and weights; then it changes only the fields the operation means to
 * change, so retries, timeouts, other routes and fields written by others
 * survive. Pure, and never throws: bad input gives a refusal with the HTTP
 * status to answer.
 *
 * @public
 */
export function planRouteChange(
  options: PlanRouteChangeOptions,
): PlanRouteChangeResult {
  return planSafely(() =>
    plan(isRecord(options) ? options : ({} as PlanRouteChangeOptions)),
  );
}
