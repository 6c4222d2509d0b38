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

import { refuse } from './destinations';
import { Context, Outcome } from './routeEdits';
import { readShares } from './routeModel';
import { formatShare } from './shares';

/**
 * Finishes a rollout on a route that already sends all its traffic to one
 * version: the idle destinations (at 0%) are removed, leaving the served
 * version alone on the route. Refused while any other version still gets
 * traffic, so finishing can never move traffic.
 *
 * @internal
 */
export function finishRoute(
  ctx: Pick<Context, 'route' | 'builder' | 'base'> & {
    target: { namespace: string };
  },
  // Where the route lists its versions: `route` (a VirtualService's http
  // route) or `backendRefs` (an HTTPRoute rule).
  list: 'route' | 'backendRefs' = 'route',
): Outcome {
  const { route, builder, base } = ctx;
  if (route.destinations.length < 2) {
    return refuse(
      409,
      `${route.where} has a single ${
        list === 'route' ? 'destination' : 'backendRef'
      }: there is nothing to finish`,
    );
  }
  // Decided on shares, as Istio applies the weights: 0/7 already sends
  // everything to the second version, 3/1 is a 75/25 canary. Weights that
  // are not numbers are refused (409), and weights adding up to 0 (422):
  // nothing is known to be at 100%.
  const read = readShares(ctx.route, ctx.target.namespace);
  if (!read.ok) return read;
  const { shares } = read;
  const serving = route.destinations.filter(d => shares[d.position] > 0);
  if (serving.length !== 1 || shares[serving[0].position] !== 100) {
    const now = route.destinations
      .map(d => `${d.subset ?? d.host} ${formatShare(shares[d.position])}%`)
      .join(', ');
    return refuse(
      409,
      `${route.where}: finishing needs one version at 100% and the others at 0% (promote fully first); now ${now}`,
    );
  }
  // The version left alone gets weight 100 when it has another one (7 of
  // 0/7), so the route still adds up to 100; set before the removals, while
  // its position is still the one pinned.
  const kept = serving[0];
  if (kept.hasWeight) {
    builder.set([...base, list, kept.position, 'weight'], 100);
  }
  // Highest position first, so the positions still to remove stay valid.
  const idle = route.destinations
    .filter(d => d !== serving[0])
    .sort((a, b) => b.position - a.position);
  for (const d of idle) {
    builder.remove([...base, list, d.position]);
  }
  return { ok: true, shift: 0 };
}
