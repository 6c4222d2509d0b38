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

import { DestinationView, RolloutWarning } from '../types';
import { VersionShare, RouteTraffic } from '../domain/routeTraffic';
import { VersionCatalog } from '../domain/versions';
import { ObjectIndex } from '../domain/objectIndex';
import { serviceFqdn } from '../kube/hosts';
import {
  BackendModel,
  HttpRouteRuleModel,
  isServiceRef,
} from './readHttpRoute';

// Backends of HTTPRoute rules as versions and shares, and the detectors of
// one rule, each small and independent.

/**
 * The host a backend is registered under in the version catalog: a
 * Service's name (`name.namespace.svc` in another namespace), Istio's
 * `Hostname` backend as written, and for other kinds `Kind:name`, which
 * never resolves to a Service.
 *
 * @internal
 */
export function backendHost(backend: BackendModel, namespace: string): string {
  if (isServiceRef(backend)) {
    return backend.namespace === namespace
      ? backend.name
      : `${backend.name}.${backend.namespace}.svc`;
  }
  if (backend.kind === 'Hostname') return backend.name;
  const ns = backend.namespace === namespace ? '' : `${backend.namespace}/`;
  return `${backend.kind}:${ns}${backend.name}`;
}

/**
 * Whether the backend is neither a Service nor a host name: shown, and
 * never changed by the plugin.
 *
 * @internal
 */
export function isOtherKind(backend: BackendModel): boolean {
  return !isServiceRef(backend) && backend.kind !== 'Hostname';
}

/**
 * A backend as people say it: the Service name, else `Kind name`.
 *
 * @internal
 */
export function backendLabel(backend: BackendModel): string {
  return isOtherKind(backend)
    ? `${backend.kind} ${backend.name}`
    : backend.name;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * A rule's backends with their weights as percentages of the rule's total
 * (Gateway API weights are proportions), per-version shares, and the
 * weight problems found.
 *
 * @internal
 */
export function readRuleTraffic(
  rule: HttpRouteRuleModel,
  catalog: VersionCatalog,
  namespace: string,
  where: string,
): RouteTraffic {
  const warnings: RolloutWarning[] = [];
  const total = rule.backends.reduce((sum, b) => sum + b.weight, 0);
  const seen = new Set<string>();
  const destinations: DestinationView[] = rule.backends.map(b => {
    const host = backendHost(b, namespace);
    const versionKey = catalog.add(host, undefined);
    const label = catalog.get(versionKey)?.view.label ?? versionKey;
    const identity = `${versionKey}:${b.port ?? ''}`;
    if (seen.has(identity)) {
      warnings.push({
        code: 'duplicate-destination',
        severity: 'warning',
        message: `${where} lists ${label} more than once; its weights add up.`,
      });
    }
    seen.add(identity);
    if (b.invalidWeight !== undefined) {
      warnings.push({
        code: 'weight-invalid',
        severity: 'error',
        message: `${where}: weight '${b.invalidWeight}' of ${label} is not a whole number from 0 to 1000000; it is counted as 0.`,
      });
    }
    const view: DestinationView = {
      versionKey,
      host,
      weight: total > 0 ? round2((b.weight * 100) / total) : 0,
    };
    if (b.port !== undefined) view.port = b.port;
    return view;
  });
  if (rule.backends.length && total === 0) {
    warnings.push({
      code: 'weights-all-zero',
      severity: 'error',
      message: `${where}: every backendRef has weight 0, so the rule has no backend and its requests get HTTP 500.`,
    });
  }
  const shares: VersionShare[] = [];
  for (const d of destinations) {
    const share = shares.find(s => s.key === d.versionKey);
    if (share) {
      share.weight = round2(share.weight + d.weight);
    } else {
      shares.push({
        key: d.versionKey,
        label: catalog.get(d.versionKey)?.view.label ?? d.versionKey,
        weight: d.weight,
      });
    }
  }
  return { destinations, shares, weightsKnown: true, warnings };
}

/**
 * Problems of a rule's backends: a Service that does not exist, a backend
 * of another kind, a reference into another namespace.
 *
 * @internal
 */
export function backendWarnings(
  index: ObjectIndex,
  rule: HttpRouteRuleModel,
  traffic: RouteTraffic,
  namespace: string,
  where: string,
): RolloutWarning[] {
  const warnings: RolloutWarning[] = [];
  const done = new Set<string>();
  const refs = [
    ...rule.backends.map((b, i) => ({
      b,
      weight: traffic.destinations[i]?.weight ?? 0,
      role: 'backendRef',
    })),
    ...rule.mirrors.map(b => ({ b, weight: 0, role: 'mirror backendRef' })),
  ];
  for (const { b, weight, role } of refs) {
    const id = `${role}:${b.group}/${b.kind}/${b.namespace}/${b.name}`;
    if (done.has(id)) continue;
    done.add(id);
    if (isOtherKind(b)) {
      warnings.push({
        code: 'backend-not-service',
        severity: 'info',
        message: `${where}: ${role} ${b.kind} ${b.namespace}/${b.name}${
          b.group ? ` (${b.group})` : ''
        } is not a Service; it is shown, and the plugin never changes it.`,
      });
      continue;
    }
    if (!isServiceRef(b)) continue;
    if (!index.serviceByFqdn.has(serviceFqdn(b.name, b.namespace))) {
      warnings.push({
        code: 'backend-not-found',
        severity: weight > 0 ? 'error' : 'warning',
        message: `${where}: ${role} Service ${b.namespace}/${
          b.name
        } does not exist${
          weight > 0 ? `, so its ${weight}% of requests get HTTP 500` : ''
        }.`,
      });
    }
    if (b.namespace !== namespace) {
      warnings.push({
        code: 'cross-namespace-backend',
        severity: 'info',
        message: `${where}: ${role} Service ${b.namespace}/${b.name} is in another namespace; Gateway API needs a ReferenceGrant there (not checked here).`,
      });
    }
  }
  return warnings;
}

/**
 * Caveats of a rule's filters: header changes and rewrites (info), mirror
 * percentages out of range, several mirrors.
 *
 * @internal
 */
export function filterWarnings(
  rule: HttpRouteRuleModel,
  where: string,
): RolloutWarning[] {
  const warnings: RolloutWarning[] = [];
  const notes = [
    ...rule.filters,
    ...rule.backends.flatMap(b =>
      b.filters.map(f => `for ${backendLabel(b)}, ${f}`),
    ),
  ];
  if (notes.length) {
    warnings.push({
      code: 'route-filters',
      severity: 'info',
      message: `${where} ${notes.join('; ')}.`,
    });
  }
  for (const mirror of rule.mirrors) {
    if (mirror.percentage < 0 || mirror.percentage > 100) {
      warnings.push({
        code: 'mirror-percentage-out-of-range',
        severity: 'error',
        message: `${where}: mirror percentage ${mirror.percentage} is outside 0..100.`,
      });
    }
  }
  if (rule.mirrors.length > 1) {
    warnings.push({
      code: 'multiple-mirrors',
      severity: 'info',
      message: `${where} mirrors to ${rule.mirrors.length} backends; only the first is shown.`,
    });
  }
  return warnings;
}
