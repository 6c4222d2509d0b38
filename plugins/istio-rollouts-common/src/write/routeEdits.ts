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

import { asArray, asString, dig, isRecord, JsonRecord } from '../kube/guards';
import {
  readDestinationRef,
  refersTo,
  refuse,
  subsetProblem,
  toIstioDestination,
} from './destinations';
import { PatchBuilder, PathSegment } from './patchBuilder';
import { RouteModel, WriteTarget } from './routeModel';
import {
  buildTargetRoute,
  isTargetRouteName,
  readUserMatch,
  TARGET_ROUTE_PREFIX,
  targetMatch,
  targetRouteName,
} from './targetRoute';
import { RouteChangePlan, RouteChangeRefusal } from './types';

// The route edits of planRouteChange other than weights: targeting and
// mirroring, plus the pins and helpers every edit shares. Each edit records
// its changes on the PatchBuilder and says how the changed route's index
// moved (a route inserted or removed before it).

/** Fields that make up a route's mirror, old and new spellings. @internal */
export const MIRROR_FIELDS = [
  'mirror',
  'mirrorPercentage',
  'mirror_percent',
  'mirrorPercent',
];

/** What every edit works on. @internal */
export interface Context {
  target: WriteTarget;
  route: RouteModel;
  base: PathSegment[];
  builder: PatchBuilder;
  knownSubsets?: Record<string, string[]>;
}

/** An edit's result: how far the changed route moved, and routes added or removed. @internal */
export type Outcome =
  | ({ ok: true; shift: number } & Pick<
      RouteChangePlan,
      'addedRoute' | 'removedRoutes'
    >)
  | RouteChangeRefusal;

// Weight paths are positional: pinning each destination (not only its
// weight) makes /route/1/weight fail rather than hit another version if
// the list was reordered. A missing weight cannot be pinned by RFC 6902;
// the resourceVersion test covers that case.
/** @internal */
export function pinRoute(
  builder: PatchBuilder,
  route: RouteModel,
  base: PathSegment[],
) {
  if (route.name) {
    builder.test([...base, 'name'], route.name);
  }
  for (const d of route.destinations) {
    builder.test(
      [...base, 'route', d.position, 'destination'],
      d.rawDestination,
    );
    if (d.hasWeight) {
      builder.test([...base, 'route', d.position, 'weight'], d.rawWeight);
    }
  }
}

/** A 422 when traffic may not move to `ref`. @internal */
export function checkSubset(
  ctx: Context,
  ref: Parameters<typeof subsetProblem>[0],
) {
  const problem = subsetProblem(ref, ctx.knownSubsets, ctx.target.namespace);
  return problem ? refuse(422, `${ctx.route.where}: ${problem}`) : undefined;
}

/** Removes an http route after pinning its name. @internal */
export function removeRoute(ctx: Context, index: number, name: string) {
  ctx.builder.test(['spec', 'http', index, 'name'], name);
  ctx.builder.remove(['spec', 'http', index]);
}

/** @internal */
export function targetUsers(op: JsonRecord, ctx: Context): Outcome {
  const { route, target } = ctx;
  const match = readUserMatch(op.match);
  if (!match.ok) return match;
  const to = readDestinationRef(op.to, 'to');
  if (!to.ok) return to;
  const refusal = checkSubset(ctx, to.ref);
  if (refusal) return refusal;
  const [only, ...others] = route.destinations;
  if (others.length === 0 && refersTo(to.ref, only, target.namespace)) {
    return refuse(
      409,
      `${route.where} already sends everyone to ${only.host}${
        only.subset ? `/${only.subset}` : ''
      }; targeting users to it would change nothing`,
    );
  }
  const name = targetRouteName(match.match);
  if (target.http.some(r => asString(dig(r, 'name')) === name)) {
    return refuse(
      409,
      `VirtualService ${target.namespace}/${target.name} already has targeted route '${name}' for this ${match.match.kind}; remove it first to send these users elsewhere`,
    );
  }
  const conditions = targetMatch(
    route.raw.match,
    match.header,
    match.condition,
    route.where,
  );
  if (!conditions.ok) return conditions;
  const added = buildTargetRoute(route.raw, name, conditions.match, to.ref);
  ctx.builder.insert(['spec', 'http', route.index], added);
  return {
    ok: true,
    shift: 1,
    addedRoute: { index: route.index, name, route: added },
  };
}

/** @internal */
export function removeTargeting(op: JsonRecord, ctx: Context): Outcome {
  const { route, target } = ctx;
  const name = op.routeName;
  if (typeof name !== 'string' || !isTargetRouteName(name)) {
    return refuse(
      400,
      `only targeted routes this plugin added (named ${TARGET_ROUTE_PREFIX}…) can be removed; ${JSON.stringify(
        name ?? null,
      )} is not one`,
    );
  }
  const found = target.http.flatMap((r, i) =>
    asString(dig(r, 'name')) === name ? [i] : [],
  );
  if (found.length !== 1) {
    return found.length === 0
      ? refuse(
          404,
          `VirtualService ${target.namespace}/${target.name} has no http route named '${name}'`,
        )
      : refuse(
          409,
          `VirtualService ${target.namespace}/${target.name} has ${found.length} http routes named '${name}'; remove them by hand`,
        );
  }
  const index = found[0];
  if (index === route.index) {
    return refuse(
      400,
      `'${name}' is the route being changed; name the route the targeting belongs to in route, and the targeted route in routeName`,
    );
  }
  removeRoute(ctx, index, name);
  return {
    ok: true,
    shift: index < route.index ? -1 : 0,
    removedRoutes: [{ index, name }],
  };
}

/** A mirror's share of requests, above 0 and at most 100, or why not. @internal */
export function readMirrorPercentage(
  percentage: unknown,
): number | RouteChangeRefusal {
  if (
    typeof percentage !== 'number' ||
    !Number.isFinite(percentage) ||
    percentage <= 0 ||
    percentage > 100
  ) {
    return refuse(
      400,
      `mirror percentage ${JSON.stringify(
        percentage ?? null,
      )} must be above 0 and at most 100 (to stop mirroring, use remove-mirror)`,
    );
  }
  return percentage;
}

/** @internal */
export function setMirror(op: JsonRecord, ctx: Context): Outcome {
  const { route, base, builder } = ctx;
  const to = readDestinationRef(op.to, 'to');
  if (!to.ok) return to;
  const percentage = readMirrorPercentage(op.percentage);
  if (typeof percentage !== 'number') return percentage;
  const refusal = checkSubset(ctx, to.ref);
  if (refusal) return refusal;
  if (asArray(route.raw.mirrors).length > 0) {
    return refuse(
      409,
      `${route.where} mirrors through the 'mirrors' list, which this plugin does not edit; Istio rejects 'mirror' next to it`,
    );
  }
  builder.set([...base, 'mirror'], toIstioDestination(to.ref));
  builder.set([...base, 'mirrorPercentage'], { value: percentage });
  // The deprecated integer field would contradict the new percentage.
  builder.remove([...base, 'mirror_percent']);
  builder.remove([...base, 'mirrorPercent']);
  return { ok: true, shift: 0 };
}

/** @internal */
export function removeMirror(ctx: Context): Outcome {
  const { route, base, builder } = ctx;
  if (!isRecord(route.raw.mirror) && asArray(route.raw.mirrors).length > 0) {
    return refuse(
      409,
      `${route.where} mirrors through the 'mirrors' list, which this plugin does not edit`,
    );
  }
  MIRROR_FIELDS.forEach(field => builder.remove([...base, field]));
  return { ok: true, shift: 0 };
}
