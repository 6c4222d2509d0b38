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
  RolloutWarning,
  RouteChangePlan,
  VirtualServiceView,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { RouteKind, TrafficRouter } from '../traffic/TrafficRouter';

// A routing object that Argo CD or Flux tracks is reverted at their next
// sync unless the change is also made in Git: the caller is warned before,
// and told after a write whether it was undone.

/** The warnings that a change to a GitOps-tracked object may not last. */
export function gitOpsWarnings(
  vs: VirtualServiceView,
  kind: RouteKind,
): RolloutWarning[] {
  return (vs.trackedBy ?? []).map(tracker => ({
    code: 'gitops-tracked',
    severity: 'warning',
    message: `${tracker.tool === 'argo-cd' ? 'Argo CD' : 'Flux'} (${
      tracker.source
    }) tracks ${kind} ${vs.namespace}/${
      vs.name
    }: unless the change is also made in Git, it may be reverted at the next sync`,
  }));
}

/**
 * GitOps controllers revert drift on their own schedule: watches the cache
 * for `watchMs` after our write (`ourVersion`) and reports whether a later
 * version of the route carries other weights.
 */
export async function watchForRevert(options: {
  router: TrafficRouter;
  vs: VirtualServiceView;
  plan: RouteChangePlan;
  ourVersion: string;
  tool: string;
  watchMs: number;
}): Promise<{ tool: string; reverted: boolean; observedWeights?: number[] }> {
  const { router, vs, plan, ourVersion, tool, watchMs } = options;
  const deadline = Date.now() + watchMs;
  const expected = plan.after.destinations.map(d => d.weight);
  let observed: number[] | undefined;
  while (Date.now() < deadline) {
    const current = router.cachedWeights(vs, plan.after.index);
    const rv = current?.resourceVersion;
    if (rv && rv !== ourVersion && Number(rv) > Number(ourVersion)) {
      observed = current.weights;
      if (JSON.stringify(observed) !== JSON.stringify(expected)) {
        return { tool, reverted: true, observedWeights: observed };
      }
    }
    await new Promise(r => setTimeout(r, 100));
  }
  return { tool, reverted: false, observedWeights: observed };
}
