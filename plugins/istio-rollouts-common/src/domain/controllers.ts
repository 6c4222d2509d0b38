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

import { ManagedByView, RolloutWarning } from '../types';
import { serviceFqdn } from '../kube/hosts';
import { VirtualServiceModel } from '../kube/readIstio';
import { CanaryModel, RolloutModel } from '../kube/readWorkloads';
import { readArgoRolloutState } from '../argo/rolloutState';
import { readFlaggerCanaryState } from '../flagger/canaryState';
import { ObjectIndex, rawObject } from './objectIndex';

/**
 * A controller that sets a VirtualService's weights, and which http routes
 * it owns. The plugin shows these routes and never writes to them.
 *
 * @internal
 */
export interface ControllerOwnership {
  managedBy: ManagedByView;
  /** Indexes of the http routes the controller writes. */
  routes: Set<number>;
}

function rolloutStep(rollout: RolloutModel): string | undefined {
  const { currentStepIndex: index, stepCount } = rollout;
  if (rollout.strategy !== 'canary' || index === undefined || !stepCount) {
    return undefined;
  }
  // Same numbers as `kubectl argo rollouts get rollout` ("Step: 1/2"):
  // currentStepIndex counts the steps already completed.
  return `step ${Math.min(index, stepCount)} of ${stepCount}`;
}

// Argo Rollouts writes only the routes it is told to (all of them in
// single-route mode), plus the routes it adds for header and mirror steps.
function argoRoutes(
  vs: VirtualServiceModel,
  named: string[],
  managedRoutes: string[],
): Set<number> {
  const routes = new Set<number>();
  for (const route of vs.http) {
    const name = route.name ?? '';
    if (
      named.length === 0 ||
      named.includes(name) ||
      managedRoutes.includes(name)
    ) {
      routes.add(route.index);
    }
  }
  return routes;
}

function fromRollout(
  index: ObjectIndex,
  vs: VirtualServiceModel,
  withState: boolean,
): ControllerOwnership | undefined {
  const { name, namespace } = vs.meta;
  for (const rollout of index.rollouts) {
    const ref = rollout.virtualServices.find(
      r => r.name === name && r.namespace === namespace,
    );
    let routes: Set<number> | undefined;
    if (ref && rollout.strategy === 'canary') {
      // Even with no http route left (a tls-only VirtualService), the
      // VirtualService as a whole is still the Rollout's.
      routes = argoRoutes(vs, ref.routes, rollout.managedRoutes);
    } else if (rollout.strategy === 'blueGreen') {
      // Blue-green Rollouts switch Service selectors, not weights; a route to
      // the active or preview Service still follows the Rollout.
      const services = [rollout.activeService, rollout.previewService]
        .filter((s): s is string => s !== undefined)
        .map(s => serviceFqdn(s, rollout.meta.namespace));
      routes = new Set(
        vs.http
          .filter(r =>
            r.destinations.some(d =>
              services.includes(index.resolve(d.host, namespace)),
            ),
          )
          .map(r => r.index),
      );
    }
    if (routes && (ref || routes.size > 0)) {
      return {
        managedBy: {
          controller: 'argo-rollouts',
          namespace: rollout.meta.namespace,
          name: rollout.meta.name,
          strategy: rollout.strategy ?? 'canary',
          phase: rollout.phase,
          step: rolloutStep(rollout),
          argo: withState
            ? readArgoRolloutState(
                rawObject(rollout),
                index.replicaSets,
                index.analysisRuns,
              )
            : undefined,
        },
        routes,
      };
    }
  }
  return undefined;
}

/**
 * Flagger's name for the strategy a Canary runs.
 *
 * @internal
 */
export function flaggerStrategy(canary: CanaryModel): string {
  const { analysis } = canary;
  if (analysis.hasMatch) {
    return 'A/B testing';
  }
  if (analysis.mirror) {
    return 'mirroring';
  }
  if (
    analysis.iterations !== undefined &&
    analysis.stepWeight === undefined &&
    analysis.stepWeights.length === 0
  ) {
    return 'blue-green';
  }
  return 'canary';
}

function flaggerStep(
  canary: CanaryModel,
  strategy: string,
): string | undefined {
  if (strategy === 'canary' || canary.analysis.iterations === undefined) {
    return canary.canaryWeight !== undefined
      ? `canary weight ${canary.canaryWeight}%`
      : undefined;
  }
  return canary.iterations !== undefined
    ? `iteration ${canary.iterations} of ${canary.analysis.iterations}`
    : undefined;
}

// Flagger generates the VirtualService, named after the Canary's service
// (or its target), in the Canary's namespace, and rewrites all of spec.http.
function fromCanary(
  index: ObjectIndex,
  vs: VirtualServiceModel,
  withState: boolean,
): ControllerOwnership | undefined {
  const canary = index.canaries.find(
    c =>
      c.meta.namespace === vs.meta.namespace &&
      (c.serviceName ?? c.targetName) === vs.meta.name,
  );
  if (!canary) {
    return undefined;
  }
  const strategy = flaggerStrategy(canary);
  return {
    managedBy: {
      controller: 'flagger',
      namespace: canary.meta.namespace,
      name: canary.meta.name,
      strategy,
      phase: canary.phase,
      step: flaggerStep(canary, strategy),
      flagger: withState
        ? readFlaggerCanaryState(rawObject(canary))
        : undefined,
    },
    routes: new Set(vs.http.map(r => r.index)),
  };
}

/**
 * The Argo Rollouts Rollout or Flagger Canary that drives a VirtualService;
 * with `state`, the controller's own state too (`managedBy.argo` /
 * `.flagger`), which costs more to read.
 *
 * @internal
 */
export function findController(
  index: ObjectIndex,
  vs: VirtualServiceModel,
  options: { state?: boolean } = {},
): ControllerOwnership | undefined {
  const withState = options.state === true;
  const ownership =
    fromRollout(index, vs, withState) ?? fromCanary(index, vs, withState);
  if (ownership) {
    // Keep the wire object free of undefined keys (JSON drops them anyway).
    const m = ownership.managedBy as unknown as Record<string, unknown>;
    for (const key of Object.keys(m)) {
      if (m[key] === undefined) delete m[key];
    }
  }
  return ownership;
}

/**
 * The controller's name as people say it.
 *
 * @internal
 */
export function controllerTitle(
  controller: ManagedByView['controller'],
): string {
  return controller === 'argo-rollouts' ? 'Argo Rollouts' : 'Flagger';
}

/**
 * The warning on a routing object a controller drives: the plugin never
 * patches its weights.
 *
 * @internal
 */
export function managedByWarning(
  what: string,
  managedBy: ManagedByView,
): RolloutWarning {
  return {
    code: 'managed-by-controller',
    severity: 'info',
    message: `${what} is driven by ${controllerTitle(managedBy.controller)} (${
      managedBy.namespace
    }/${
      managedBy.name
    }): the plugin never patches its weights; act through the ${
      managedBy.controller === 'flagger' ? 'Canary' : 'Rollout'
    } (promote, abort, approve its gates) instead.`,
  };
}
