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
  asArray,
  asNumber,
  asString,
  dig,
  isRecord,
  JsonRecord,
} from '../kube/guards';
import { DEFAULT_NAMESPACE } from '../kube/readMeta';
import { destinationLabel, refersTo, refuse } from './destinations';
import { toShares, weightsSumToZero } from './shares';
import { DestinationRef, RouteChangeRefusal } from './types';

// The raw VirtualService read for writing. Unlike the view's readers, which
// drop what they cannot read, this keeps every position as written: a patch
// path such as /spec/http/2/route/1/weight must point at the raw list.

/** @internal */
export interface WriteTarget {
  namespace: string;
  name: string;
  resourceVersion: string;
  http: unknown[];
}

/** A destination entry of a route, by its position in `route`. @internal */
export interface RouteDestination extends DestinationRef {
  position: number;
  /** The raw `destination` object, pinned by a test op. */
  rawDestination: JsonRecord;
  hasWeight: boolean;
  rawWeight: unknown;
  /**
   * The weight as written, with lone → 100 and missing → 0; undefined when
   * not a number. Not yet a share: see readShares.
   */
  effective?: number;
}

/** @internal */
export interface RouteModel {
  index: number;
  name?: string;
  raw: JsonRecord;
  destinations: RouteDestination[];
  /** e.g. `VirtualService shop/reviews, route 'primary'`. */
  where: string;
}

/**
 * The name, namespace and resourceVersion of a routing object read for
 * writing; refused without a resourceVersion, which pins the object.
 *
 * @internal
 */
export function readPinnedObject(
  raw: unknown,
  kind: string,
):
  | {
      ok: true;
      object: { namespace: string; name: string; resourceVersion: string };
    }
  | RouteChangeRefusal {
  const name = asString(dig(raw, 'metadata', 'name'));
  if (!name) {
    return refuse(422, `the ${kind} has no metadata.name`);
  }
  const namespace =
    asString(dig(raw, 'metadata', 'namespace')) ?? DEFAULT_NAMESPACE;
  const resourceVersion = asString(dig(raw, 'metadata', 'resourceVersion'));
  if (!resourceVersion) {
    // Without it nothing pins the object, and a concurrent change would be
    // overwritten; plan only against an object read from the API server.
    return refuse(
      422,
      `${kind} ${namespace}/${name} has no metadata.resourceVersion; read it from the API server before planning a change`,
    );
  }
  return { ok: true, object: { namespace, name, resourceVersion } };
}

/** @internal */
export function readWriteTarget(
  raw: unknown,
): { ok: true; target: WriteTarget } | RouteChangeRefusal {
  const read = readPinnedObject(raw, 'VirtualService');
  if (!read.ok) return read;
  const http = dig(raw, 'spec', 'http');
  return {
    ok: true,
    target: { ...read.object, http: Array.isArray(http) ? http : [] },
  };
}

/** `VirtualService ns/name, route 'name'` or `…, route 2`. @internal */
export function describeRoute(
  target: WriteTarget,
  index: number,
  name?: string,
): string {
  return `VirtualService ${target.namespace}/${target.name}, route ${
    name ? `'${name}'` : index
  }`;
}

/**
 * Finds an item of a routing object's list by index or name: an http route
 * of a VirtualService, a rule of an HTTPRoute (`noun` says which, as
 * `['http route', 'route']` or `['rule', 'rule']`: the list's and an item's).
 *
 * @internal
 */
export function findByIndexOrName(
  items: unknown[],
  route: unknown,
  what: string,
  [listNoun, itemNoun]: [string, string],
): { ok: true; index: number } | RouteChangeRefusal {
  const count = items.length;
  if (typeof route === 'number') {
    if (!Number.isInteger(route) || route < 0) {
      return refuse(
        400,
        `${itemNoun} index ${route} is not a whole number ≥ 0`,
      );
    }
    return route < count
      ? { ok: true, index: route }
      : refuse(
          404,
          `${what} has ${count} ${listNoun}${
            count === 1 ? '' : 's'
          }; there is no ${itemNoun} ${route}`,
        );
  }
  if (typeof route !== 'string' || route === '') {
    return refuse(400, `route must be an ${listNoun} index or name`);
  }
  const found = items
    .map((item, index) => (asString(dig(item, 'name')) === route ? index : -1))
    .filter(index => index >= 0);
  if (found.length === 0) {
    return refuse(404, `${what} has no ${listNoun} named '${route}'`);
  }
  if (found.length > 1) {
    return refuse(
      409,
      `${what} has ${
        found.length
      } ${listNoun}s named '${route}' (at ${found.join(
        ', ',
      )}); name one by index`,
    );
  }
  return { ok: true, index: found[0] };
}

/**
 * Finds an http route by index or name.
 *
 * @internal
 */
export function findRoute(
  target: WriteTarget,
  route: unknown,
): { ok: true; index: number } | RouteChangeRefusal {
  return findByIndexOrName(
    target.http,
    route,
    `VirtualService ${target.namespace}/${target.name}`,
    ['http route', 'route'],
  );
}

/**
 * Reads the route at `index` with its destinations by position. Refuses a
 * route this plugin cannot change: a delegate, a redirect, a direct
 * response, or a destination without a host.
 *
 * @internal
 */
export function readRoute(
  target: WriteTarget,
  index: number,
): { ok: true; route: RouteModel } | RouteChangeRefusal {
  const raw = target.http[index];
  if (!isRecord(raw)) {
    return refuse(
      422,
      `${describeRoute(
        target,
        index,
      )} is not an object; fix the VirtualService first`,
    );
  }
  const name = asString(raw.name);
  const where = describeRoute(target, index, name);
  if (isRecord(raw.delegate)) {
    return refuse(
      409,
      `${where} delegates to VirtualService ${asString(
        raw.delegate.name,
      )}; change that VirtualService instead`,
    );
  }
  const entries = asArray(raw.route);
  if (entries.length === 0) {
    let what = 'has no destinations';
    if (isRecord(raw.redirect)) what = 'answers with a redirect';
    else if (isRecord(raw.directResponse)) what = 'answers directly';
    return refuse(409, `${where} ${what}, so there is no traffic to move`);
  }
  const destinations: RouteDestination[] = [];
  for (const [position, entry] of entries.entries()) {
    const rawDestination = dig(entry, 'destination');
    const host = asString(dig(rawDestination, 'host'));
    if (!isRecord(entry) || !isRecord(rawDestination) || !host) {
      return refuse(
        422,
        `${where}: route[${position}] has no destination host; fix the VirtualService first`,
      );
    }
    const hasWeight = entry.weight !== undefined && entry.weight !== null;
    const weight = asNumber(entry.weight);
    const d: RouteDestination = {
      host,
      position,
      rawDestination,
      hasWeight,
      rawWeight: entry.weight,
    };
    const subset = asString(rawDestination.subset);
    const port = asNumber(dig(rawDestination, 'port', 'number'));
    if (subset) d.subset = subset;
    if (port !== undefined) d.port = port;
    if (entries.length === 1) d.effective = 100;
    else if (!hasWeight) d.effective = 0;
    else if (weight !== undefined) d.effective = weight;
    destinations.push(d);
  }
  return { ok: true, route: { index, name, raw, destinations, where } };
}

/**
 * Why the route's current weights cannot be used to decide anything, or
 * undefined when they can.
 *
 * @internal
 */
export function unreadableWeights(
  route: RouteModel,
  namespace: string,
): string | undefined {
  const bad = route.destinations.find(d => d.effective === undefined);
  if (bad) {
    return `${route.where}: weight ${JSON.stringify(
      bad.rawWeight,
    )} of ${destinationLabel(
      bad,
      namespace,
    )} is not a number; set the weights with set-weights first`;
  }
  // Istio rejects negative weights; one here would make the shares of the
  // others exceed 100%.
  const negative = route.destinations.find(d => (d.effective ?? 0) < 0);
  if (negative) {
    return `${route.where}: weight ${negative.effective} of ${destinationLabel(
      negative,
      namespace,
    )} is negative; set the weights with set-weights first`;
  }
  if (
    route.destinations.length > 1 &&
    !route.destinations.some(d => d.hasWeight)
  ) {
    return `${route.where} has ${route.destinations.length} destinations but no weights, so the split cannot be told; set the weights with set-weights first`;
  }
  return undefined;
}

/**
 * Each destination's share of the route's traffic in percent, by position,
 * as Istio applies the weights: in proportion to their sum (see shares.ts).
 * Refuses weights that cannot be read (409) and several weights that add
 * up to 0 (422). `proportional` says the weights do not add up to 100.
 *
 * @internal
 */
export function readShares(
  route: RouteModel,
  namespace: string,
): { ok: true; shares: number[]; proportional: boolean } | RouteChangeRefusal {
  const problem = unreadableWeights(route, namespace);
  if (problem) return refuse(409, problem);
  const weights = route.destinations.map(d => d.effective!);
  const shares = toShares(weights);
  if (!shares) return weightsSumToZero(route.where, weights.length);
  return {
    ok: true,
    shares,
    proportional: shares.some((share, i) => share !== weights[i]),
  };
}

/**
 * The shares of readShares without its checks, for comparing a planned
 * split with the current one: an unreadable weight counts as 0, and
 * weights that add up to 0 stay 0.
 *
 * @internal
 */
export function currentShares(route: RouteModel): number[] {
  const weights = route.destinations.map(d => Math.max(d.effective ?? 0, 0));
  return toShares(weights) ?? weights;
}

/**
 * The position of the one destination `ref` names.
 *
 * @internal
 */
export function findDestination(
  route: RouteModel,
  ref: DestinationRef,
  namespace: string,
): { ok: true; position: number } | RouteChangeRefusal {
  const found = route.destinations.filter(d => refersTo(ref, d, namespace));
  const label = destinationLabel(ref, namespace);
  if (found.length === 0) {
    return refuse(
      422,
      `${label} is not a destination of ${
        route.where
      }; its destinations are ${route.destinations
        .map(d => destinationLabel(d, namespace))
        .join(', ')}`,
    );
  }
  if (found.length > 1) {
    return refuse(
      422,
      `${label} names ${found.length} destinations of ${route.where}; give the port, or fix the duplicate`,
    );
  }
  return { ok: true, position: found[0].position };
}
