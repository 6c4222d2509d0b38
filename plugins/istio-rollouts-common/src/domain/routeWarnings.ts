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

import { RolloutWarning } from '../types';
import { HttpRouteModel } from '../kube/readIstio';
import { describeMatch } from './matchRules';
import { MatchRuleView } from '../types';
import { VersionCatalog } from './versions';

// Detectors for one http route, each small and independent, in the spirit of
// the Kubernetes plugin's error-detection mappers.

/**
 * Version problems of the destinations and mirrors of a route: a subset no
 * DestinationRule defines, no workload, no ready pods.
 *
 * @internal
 */
export function versionWarnings(
  catalog: VersionCatalog,
  usage: Array<{ key: string; weight: number; mirror?: boolean }>,
  where: string,
): RolloutWarning[] {
  const warnings: RolloutWarning[] = [];
  const done = new Set<string>();
  for (const { key, weight, mirror } of usage) {
    const version = catalog.get(key);
    if (!version || done.has(key)) {
      continue;
    }
    done.add(key);
    const { view } = version;
    const role = mirror ? 'mirror target' : 'version';
    if (!version.subsetDefined) {
      warnings.push({
        code: 'subset-undefined',
        severity: 'error',
        message: `${where}: subset '${view.subset}' of ${view.host} is defined in no DestinationRule, so Istio cannot route to ${role} ${view.label} (503).`,
      });
    } else if (version.external) {
      continue;
    } else if (view.workloads.length === 0) {
      warnings.push({
        code: 'version-no-workload',
        severity: weight > 0 ? 'error' : 'warning',
        message: `${where}: no Deployment or Rollout runs ${role} ${view.label} (${view.host}).`,
      });
    } else if (view.ready === 0 && (weight > 0 || view.desired > 0)) {
      // A version scaled to 0 that gets no traffic is at rest (Flagger's
      // canary between releases, a finished blue-green's idle side): no
      // warning. Scaled up but not ready, or sent traffic, it is one.
      warnings.push({
        code: 'version-no-ready-pods',
        severity: weight > 0 ? 'error' : 'warning',
        message: `${where}: ${role} ${view.label} has 0 of ${
          view.desired
        } pods ready${
          weight > 0 ? ` but receives ${weight}% of traffic` : ''
        }.`,
      });
    }
  }
  return warnings;
}

/**
 * Caveats of a route itself: delegation, fault injection, unreachable
 * routes, odd mirror settings.
 *
 * @internal
 */
export function routeShapeWarnings(
  route: HttpRouteModel,
  match: MatchRuleView[][],
  shadowedBy: number | undefined,
  where: string,
): RolloutWarning[] {
  const warnings: RolloutWarning[] = [];
  if (route.delegate) {
    warnings.push({
      code: 'delegate-route',
      severity: 'warning',
      message: `${where} is delegated to VirtualService ${route.delegate.namespace}/${route.delegate.name}; its traffic is split there, not here.`,
    });
  }
  if (shadowedBy !== undefined) {
    warnings.push({
      code: 'route-unreachable',
      severity: 'warning',
      message: `${where} is never used: route ${shadowedBy} before it matches every request.`,
    });
  }
  if (route.fault) {
    const who = match.length
      ? `requests with ${describeMatch(match)}`
      : 'all requests';
    warnings.push({
      code: 'fault-injection',
      severity: 'info',
      message: `${where} injects faults (${route.fault}) into ${who}.`,
    });
  }
  for (const mirror of route.mirrors) {
    if (mirror.percentage < 0 || mirror.percentage > 100) {
      warnings.push({
        code: 'mirror-percentage-out-of-range',
        severity: 'error',
        message: `${where}: mirror percentage ${mirror.percentage} is outside 0..100.`,
      });
    }
  }
  if (route.mirrors.length > 1) {
    warnings.push({
      code: 'multiple-mirrors',
      severity: 'info',
      message: `${where} mirrors to ${route.mirrors.length} destinations; only the first is shown.`,
    });
  }
  return warnings;
}
