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

/**
 * Finishes a rollout on a route that already sends all its traffic to one
 * version: the idle destinations (at 0%) are removed, leaving the served
 * version alone on the route. Refused while any other version still gets
 * traffic, so finishing can never move traffic.
 *
 * @internal
 */
export function finishRoute(ctx: Context): Outcome {
  const { route, builder, base } = ctx;
  if (route.destinations.length < 2) {
    return refuse(
      409,
      `${route.where} has a single destination: there is nothing to finish`,
    );
  }
  const serving = route.destinations.filter(d => (d.effective ?? 0) > 0);
  if (serving.length !== 1 || serving[0].effective !== 100) {
    const now = route.destinations
      .map(d => `${d.subset ?? d.host} ${d.effective ?? 0}%`)
      .join(', ');
    return refuse(
      409,
      `${route.where}: finishing needs one version at 100% and the others at 0% (promote fully first); now ${now}`,
    );
  }
  // Highest position first, so the positions still to remove stay valid.
  const idle = route.destinations
    .filter(d => d !== serving[0])
    .sort((a, b) => b.position - a.position);
  for (const d of idle) {
    builder.remove([...base, 'route', d.position]);
  }
  return { ok: true, shift: 0 };
}
