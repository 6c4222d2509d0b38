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

import { isRecord } from '../kube/guards';
import {
  destinationLabel,
  readDestinationRef,
  refersTo,
  refuse,
} from './destinations';
import { DestinationRef, RouteChangeRefusal } from './types';

// Checks a whole split before anything is planned. Every destination of
// the route must be listed exactly once: a destination the caller did not
// list (because their page was stale, say) is never silently set to 0.

/**
 * Options of validateWeights.
 *
 * @public
 */
export interface ValidateWeightsOptions {
  /** The requested split, as it arrived (normally WeightAssignment[]). */
  weights: unknown;
  /** The route's destinations in order (e.g. RouteView.destinations). */
  destinations: ReadonlyArray<DestinationRef>;
  /** Namespace of the VirtualService, to compare short and full host names. */
  namespace?: string;
  /** Names the route in messages, e.g. `VirtualService shop/reviews, route 'primary'`. */
  where?: string;
}

/**
 * Checks a requested split: integer weights in 0..100 that add up to 100,
 * no destination twice, and each destination of the route listed exactly
 * once. On success, the weights in the order of the route's destinations.
 *
 * @public
 */
export function validateWeights(
  options: ValidateWeightsOptions,
): { ok: true; weights: number[] } | RouteChangeRefusal {
  const { destinations, namespace } = options;
  const where = options.where ?? 'the route';
  const fail = (status: 400 | 422, message: string) =>
    refuse(status, `${where}: ${message}`);
  const label = (ref: DestinationRef) => destinationLabel(ref, namespace);

  if (!Array.isArray(options.weights) || options.weights.length === 0) {
    return fail(
      400,
      'weights must be a non-empty list of { host, subset, port, weight }',
    );
  }
  const items: Array<{ ref: DestinationRef; weight: number }> = [];
  for (const [i, item] of options.weights.entries()) {
    const read = readDestinationRef(item, `weights[${i}]`);
    if (!read.ok) {
      return fail(read.status as 400, read.message);
    }
    const weight = isRecord(item) ? item.weight : undefined;
    const name = label(read.ref);
    if (typeof weight !== 'number' || !Number.isFinite(weight)) {
      return fail(
        400,
        `weight ${JSON.stringify(weight ?? null)} for ${name} is not a number`,
      );
    }
    if (!Number.isInteger(weight)) {
      return fail(
        400,
        `weight ${weight} for ${name} is not a whole number; Istio weights are integers`,
      );
    }
    if (weight < 0) {
      return fail(400, `weight ${weight} for ${name} is below 0`);
    }
    if (weight > 100) {
      return fail(400, `weight ${weight} for ${name} is above 100`);
    }
    items.push({ ref: read.ref, weight });
  }
  // A duplicate is the likelier cause of a wrong total, so it is named first.
  for (const [i, { ref }] of items.entries()) {
    if (
      items
        .slice(0, i)
        .some(
          other =>
            refersTo(ref, other.ref, namespace) &&
            refersTo(other.ref, ref, namespace),
        )
    ) {
      return fail(400, `${label(ref)} is listed more than once`);
    }
  }
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  if (total !== 100) {
    return fail(400, `weights add up to ${total}, not 100`);
  }

  const result: Array<number | undefined> = destinations.map(() => undefined);
  for (const { ref, weight } of items) {
    const matches = destinations.flatMap((d, i) =>
      refersTo(ref, d, namespace) ? [i] : [],
    );
    if (matches.length === 0) {
      return fail(
        422,
        `${label(
          ref,
        )} is not a destination of this route; its destinations are ${destinations
          .map(label)
          .join(', ')}`,
      );
    }
    if (matches.length > 1) {
      return fail(
        422,
        `${label(ref)} names ${
          matches.length
        } destinations of this route; give the port`,
      );
    }
    if (result[matches[0]] !== undefined) {
      return fail(
        400,
        `${label(destinations[matches[0]])} is listed more than once`,
      );
    }
    result[matches[0]] = weight;
  }
  const missing = destinations.filter((_d, i) => result[i] === undefined);
  if (missing.length > 0) {
    return fail(
      422,
      `weights must list every destination of the route exactly once; missing ${missing
        .map(label)
        .join(', ')}`,
    );
  }
  return { ok: true, weights: result as number[] };
}
