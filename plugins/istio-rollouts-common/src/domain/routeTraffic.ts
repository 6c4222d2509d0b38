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
import { DestinationModel } from '../kube/readIstio';
import { VersionCatalog } from './versions';

/**
 * The share of a route's traffic that one version receives.
 *
 * @internal
 */
export interface VersionShare {
  key: string;
  label: string;
  weight: number;
}

/**
 * A route's destinations with effective weights, per-version shares in the
 * order the versions first appear, and the weight problems found.
 *
 * @internal
 */
export interface RouteTraffic {
  destinations: DestinationView[];
  shares: VersionShare[];
  /** False when several destinations carry no weight at all. */
  weightsKnown: boolean;
  warnings: RolloutWarning[];
}

/**
 * Effective weights as Istio applies them: a lone destination takes all
 * traffic whatever its weight; with several, an omitted weight is 0. When
 * none of several destinations has a weight the split is unknown.
 *
 * @internal
 */
export function readRouteTraffic(
  destinations: DestinationModel[],
  catalog: VersionCatalog,
  where: string,
): RouteTraffic {
  const warnings: RolloutWarning[] = [];
  const lone = destinations.length === 1;
  const weightsKnown = lone || destinations.some(d => d.weight !== undefined);
  if (!weightsKnown && destinations.length > 1) {
    warnings.push({
      code: 'weights-missing',
      severity: 'error',
      message: `${where} has ${destinations.length} destinations but no weights, so how traffic is split cannot be told.`,
    });
  }

  const seen = new Set<string>();
  const views: DestinationView[] = destinations.map(d => {
    const versionKey = catalog.add(d.host, d.subset);
    const label = catalog.get(versionKey)?.view.label ?? versionKey;
    const identity = `${versionKey}:${d.port ?? ''}`;
    if (seen.has(identity)) {
      warnings.push({
        code: 'duplicate-destination',
        severity: 'warning',
        message: `${where} lists ${label} (${d.host}${
          d.port ? `:${d.port}` : ''
        }) more than once; its weights add up.`,
      });
    }
    seen.add(identity);
    if (d.invalidWeight !== undefined) {
      warnings.push({
        code: 'weight-invalid',
        severity: 'error',
        message: `${where}: weight '${d.invalidWeight}' of ${label} is not a number.`,
      });
    } else if (d.weight !== undefined && !Number.isInteger(d.weight)) {
      warnings.push({
        code: 'weight-invalid',
        severity: 'error',
        message: `${where}: weight ${d.weight} of ${label} is not a whole number; Istio weights are integers.`,
      });
    }
    if (d.weight !== undefined && (d.weight < 0 || d.weight > 100)) {
      warnings.push({
        code: 'weight-out-of-range',
        severity: 'error',
        message: `${where}: weight ${d.weight} of ${label} is outside 0..100.`,
      });
    }
    const view: DestinationView = {
      versionKey,
      host: d.host,
      weight: lone ? 100 : d.weight ?? 0,
    };
    if (d.subset) view.subset = d.subset;
    if (d.port !== undefined) view.port = d.port;
    return view;
  });

  const written = destinations.reduce((sum, d) => sum + (d.weight ?? 0), 0);
  const explicitLone = lone && destinations[0].weight !== undefined;
  if (
    (destinations.length > 1 && weightsKnown && written !== 100) ||
    (explicitLone && written !== 100)
  ) {
    warnings.push({
      code: 'weights-not-100',
      severity: 'warning',
      message: lone
        ? `${where}: the only destination has weight ${written}; Istio sends it all traffic anyway.`
        : `${where}: weights add up to ${written}, not 100; Istio shares traffic in proportion to them.`,
    });
  }

  const shares: VersionShare[] = [];
  for (const view of views) {
    const share = shares.find(s => s.key === view.versionKey);
    if (share) {
      share.weight += view.weight;
    } else {
      shares.push({
        key: view.versionKey,
        label: catalog.get(view.versionKey)?.view.label ?? view.versionKey,
        weight: view.weight,
      });
    }
  }
  return { destinations: views, shares, weightsKnown, warnings };
}

/**
 * The version with the most traffic; the first listed wins a tie, because
 * people list the stable version first.
 *
 * @internal
 */
export function mainShare(shares: VersionShare[]): VersionShare | undefined {
  return shares.reduce<VersionShare | undefined>(
    (best, s) => (!best || s.weight > best.weight ? s : best),
    undefined,
  );
}
