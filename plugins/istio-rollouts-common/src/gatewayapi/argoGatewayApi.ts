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

import { asArray, asString, dig } from '../kube/guards';
import { RolloutModel } from '../kube/readWorkloads';
import { readArgoRolloutState } from '../argo/rolloutState';
import { ControllerOwnership } from '../domain/controllers';
import { ObjectIndex, rawObject } from '../domain/objectIndex';
import { GatewayHttpRouteModel } from './readHttpRoute';

// Argo Rollouts drives HTTPRoutes through its Gateway API plugin, configured
// under spec.strategy.canary.trafficRouting.plugins["argoproj-labs/gatewayAPI"]
// with `httpRoute` (one name) or `httpRoutes` (a list), and `namespace`.

const PLUGIN = 'argoproj-labs/gatewayAPI';

/**
 * The HTTPRoutes a Rollout's Gateway API plugin sets weights on.
 *
 * @internal
 */
export function argoHttpRouteRefs(
  rollout: RolloutModel,
): Array<{ namespace: string; name: string }> {
  const plugins = dig(
    rawObject(rollout),
    'spec',
    'strategy',
    'canary',
    'trafficRouting',
    'plugins',
  );
  const config = dig(plugins, PLUGIN);
  if (config === undefined) return [];
  const namespace =
    asString(dig(config, 'namespace')) ?? rollout.meta.namespace;
  const names = [
    asString(dig(config, 'httpRoute')),
    ...asArray(dig(config, 'httpRoutes')).map(r => asString(dig(r, 'name'))),
  ].filter((n): n is string => n !== undefined);
  return [...new Set(names)].map(name => ({ namespace, name }));
}

/**
 * The Rollout whose Gateway API plugin drives this HTTPRoute; it owns every
 * rule (the plugin sets the weights of the stable and canary Services
 * wherever they appear, and adds its own header rules).
 *
 * @internal
 */
export function argoGatewayOwnership(
  index: ObjectIndex,
  route: GatewayHttpRouteModel,
): ControllerOwnership | undefined {
  const { namespace, name } = route.meta;
  const rollout = index.rollouts.find(r =>
    argoHttpRouteRefs(r).some(
      ref => ref.namespace === namespace && ref.name === name,
    ),
  );
  if (!rollout) return undefined;
  const { currentStepIndex: step, stepCount } = rollout;
  const managedBy: ControllerOwnership['managedBy'] = {
    controller: 'argo-rollouts',
    namespace: rollout.meta.namespace,
    name: rollout.meta.name,
    strategy: rollout.strategy ?? 'canary',
    argo: readArgoRolloutState(
      rawObject(rollout),
      index.replicaSets,
      index.analysisRuns,
    ),
  };
  if (rollout.phase) managedBy.phase = rollout.phase;
  if (step !== undefined && stepCount) {
    // As `kubectl argo rollouts get rollout` counts: steps completed.
    managedBy.step = `step ${Math.min(step, stepCount)} of ${stepCount}`;
  }
  return { managedBy, routes: new Set(route.rules.map(r => r.index)) };
}
