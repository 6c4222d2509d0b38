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

import { MatchRuleView, RolloutStrategy } from '../types';
import { HttpRouteModel } from '../kube/readIstio';
import { ControllerOwnership, controllerTitle } from './controllers';
import { describeMatch, selectsUsers } from './matchRules';
import { mainShare, RouteTraffic, VersionShare } from './routeTraffic';
import { VersionCatalog } from './versions';

/**
 * What the classifier knows about one http route and its neighbours.
 *
 * @internal
 */
export interface RouteFacts {
  route: HttpRouteModel;
  match: MatchRuleView[][];
  traffic: RouteTraffic;
  /** The main version of the route that serves everyone else, if any. */
  baselineKey?: string;
  isBaseline: boolean;
  catalog: VersionCatalog;
  ownership?: ControllerOwnership;
}

/**
 * A route's strategy and the one line a person would say about it.
 *
 * @internal
 */
export interface RouteClassification {
  strategy: RolloutStrategy;
  explanation: string;
}

const pct = (n: number) => `${n}%`;

function joinLabels(labels: string[]): string {
  return labels.length <= 1
    ? labels.join('')
    : `${labels.slice(0, -1).join(', ')} and ${labels[labels.length - 1]}`;
}

/**
 * The split in words, e.g. `10% of traffic goes to v2, 90% stays on v1`.
 *
 * @internal
 */
export function describeSplit(shares: VersionShare[]): string {
  const live = shares.filter(s => s.weight > 0);
  const idle = shares.filter(s => s.weight <= 0).map(s => s.label);
  const main = mainShare(live);
  if (!main) {
    return 'no traffic: every destination has weight 0';
  }
  let text: string;
  if (live.length === 1) {
    text = `all traffic on ${main.label}`;
  } else if (live.length === 2) {
    // The first listed is the stable version and the other the canary, as
    // the write path decides it (start-canary appends the canary): past 50%
    // the canary has the larger share, and the sentence must still say so.
    const [stable, canary] = live;
    text = `${pct(canary.weight)} of traffic goes to ${canary.label}, ${pct(
      stable.weight,
    )} stays on ${stable.label}`;
  } else {
    text = `traffic split across ${live
      .map(s => `${s.label} (${pct(s.weight)})`)
      .join(', ')}`;
  }
  return idle.length ? `${text}; ${joinLabels(idle)} at 0%` : text;
}

// One version serves the route: the strategy is the Kubernetes one of the
// workloads behind it.
function singleVersion(
  share: VersionShare,
  catalog: VersionCatalog,
): RouteClassification {
  const version = catalog.get(share.key);
  const workloads = version?.view.workloads ?? [];
  if (!version || workloads.length === 0) {
    return {
      strategy: 'unknown',
      explanation: version?.external
        ? `Unknown: single destination ${share.label} is outside the cluster, so there is no rollout to show`
        : `Unknown: single version ${share.label}, but no Deployment or Rollout running it was found`,
    };
  }
  const deployments = workloads.filter(w => w.kind === 'Deployment');
  if (deployments.length === 0) {
    return {
      strategy: 'rolling',
      explanation: `Single version ${share.label}, rolled out by Argo Rollout '${workloads[0].name}'`,
    };
  }
  const type = deployments.every(w => w.updateStrategy === 'Recreate')
    ? 'Recreate'
    : 'RollingUpdate';
  const strategy = type === 'Recreate' ? 'recreate' : 'rolling';
  const updating = deployments.filter(w => w.progress);
  if (updating.length) {
    const title = type === 'Recreate' ? 'Recreate update' : 'Rolling update';
    const desired = updating.reduce((n, w) => n + w.replicas.desired, 0);
    const updated = updating.reduce((n, w) => n + w.replicas.updated, 0);
    return {
      strategy,
      explanation:
        updated < desired
          ? `${title}: ${updated} of ${desired} pods on the new version`
          : `${title} of ${share.label}: ${updating[0].progress}`,
    };
  }
  if (deployments.length > 1) {
    // One host over several Deployments: Kubernetes balances by pod count,
    // which is the only "split" a rolling setup has.
    return {
      strategy,
      explanation: `Single version ${share.label} served by ${
        deployments.length
      } Deployments (${deployments
        .map(w => w.name)
        .join(', ')}); traffic follows their pod counts`,
    };
  }
  return {
    strategy,
    explanation: `Single version ${share.label}, rolled out by ${type}`,
  };
}

function byTraffic(facts: RouteFacts): RouteClassification {
  const { route, traffic, match } = facts;
  const live = traffic.shares.filter(s => s.weight > 0);
  const main = mainShare(live);
  const mirror = route.mirrors[0];
  if (mirror && main) {
    const key = facts.catalog.add(mirror.host, mirror.subset);
    const label = facts.catalog.get(key)?.view.label ?? key;
    const served =
      live.length === 1
        ? `all traffic served by ${main.label}`
        : `traffic served by ${live
            .map(s => `${s.label} (${pct(s.weight)})`)
            .join(' and ')}`;
    return {
      strategy: 'mirror',
      explanation: `Mirror: ${served}; ${pct(
        mirror.percentage,
      )} copied to ${label}`,
    };
  }
  if (
    !facts.isBaseline &&
    selectsUsers(match) &&
    live.some(s => s.key !== facts.baselineKey)
  ) {
    const to =
      live.length === 1
        ? live[0].label
        : live.map(s => `${s.label} (${pct(s.weight)})`).join(' and ');
    return {
      strategy: 'targeted',
      explanation: `Targeted: requests with ${describeMatch(
        match,
      )} go to ${to}`,
    };
  }
  if (live.length >= 2) {
    return {
      strategy: 'canary',
      explanation: `Canary: ${describeSplit(traffic.shares)}`,
    };
  }
  if (!main) {
    return {
      strategy: 'unknown',
      explanation:
        'Unknown: every destination has weight 0, so no version gets traffic',
    };
  }
  if (traffic.shares.length >= 2) {
    const standby = traffic.shares.filter(s => s !== main).map(s => s.label);
    return {
      strategy: 'blue-green',
      explanation: `Blue-green: all traffic on ${main.label}; ${joinLabels(
        standby,
      )} ${standby.length > 1 ? 'are' : 'is'} on standby`,
    };
  }
  return singleVersion(main, facts.catalog);
}

/**
 * Decides a route's strategy from the objects themselves.
 *
 * @internal
 */
export function classifyRoute(facts: RouteFacts): RouteClassification {
  const { route, traffic, ownership } = facts;
  if (route.delegate) {
    return {
      strategy: 'unknown',
      explanation: `Delegated: VirtualService ${route.delegate.namespace}/${route.delegate.name} decides where these requests go`,
    };
  }
  if (traffic.destinations.length === 0) {
    let what = 'has no destinations';
    if (route.redirect) what = 'answers with a redirect';
    else if (route.directResponse) what = 'answers directly';
    return {
      strategy: 'unknown',
      explanation: `Unknown: this route ${what}, so no version serves it`,
    };
  }
  if (!traffic.weightsKnown) {
    return {
      strategy: 'unknown',
      explanation:
        'Unknown: several destinations without weights, so the split cannot be told',
    };
  }
  if (ownership?.routes.has(route.index)) {
    const m = ownership.managedBy;
    const state = [m.strategy, m.step].filter(Boolean).join(', ');
    return {
      strategy: 'managed',
      explanation: `Managed by ${controllerTitle(
        m.controller,
      )} (${state}): ${describeSplit(traffic.shares)}`,
    };
  }
  return byTraffic(facts);
}

/**
 * Rephrases the explanation of the catch-all route of a VirtualService
 * that also sends chosen users elsewhere.
 *
 * @internal
 */
export function everyoneElse(explanation: string): string {
  return `Everyone else: ${explanation
    .charAt(0)
    .toLowerCase()}${explanation.slice(1)}`;
}
