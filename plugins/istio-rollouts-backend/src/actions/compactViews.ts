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

// What agents read: an entity's rollout view, cut down to what answers
// "what is the split right now, and is anything wrong" — per route the
// strategy and its sentence, the weights by version label, versions with
// ready pods and images, warnings as sentences, observed traffic — without
// the keys, resourceVersions and signal topics the tab needs. Pure.

import {
  EntityRolloutView,
  PromotionRequest,
  RouteSnapshot,
  RoutingObjectKind,
  describeMatch,
} from '@istio-rollouts/plugin-istio-rollouts-common';

/** One route, as an agent reads it. */
export interface CompactRoute {
  index: number;
  name?: string;
  strategy: string;
  explanation: string;
  /** Who this route serves, e.g. `header end-user = jason`; absent: everyone else. */
  match?: string;
  split: Array<{ version: string; weight: number }>;
  mirror?: { version: string; percentage: number };
  /** Why this entity may not change the route, when it may not. */
  readOnly?: string;
  warnings: string[];
}

/** One VirtualService or HTTPRoute, as an agent reads it. */
export interface CompactRoutingObject {
  kind: RoutingObjectKind;
  namespace: string;
  name: string;
  versions: Array<{
    version: string;
    host: string;
    subset?: string;
    ready: number;
    desired: number;
    images: string[];
  }>;
  routes: CompactRoute[];
  managedBy?: {
    controller: string;
    name: string;
    strategy: string;
    phase?: string;
    step?: string;
  };
  /** Traffic each version really received (from metrics), when configured. */
  observed?: {
    window: string;
    versions: Array<{
      version: string;
      requestsPerSecond: number;
      share: number | null;
      successRate: number | null;
      p99Ms: number | null;
    }>;
    error?: string;
  };
  readOnly?: string;
  warnings: string[];
}

/** An entity's rollout view, as an agent reads it. */
export interface CompactRolloutView {
  entityRef: string;
  generatedAt: string;
  clusters: Array<{
    cluster: string;
    /** Why the cluster could not be read; its routes are then missing. */
    error?: string;
    /** Set when the copy of the cluster may be out of date. */
    stale?: string;
    routingObjects: CompactRoutingObject[];
  }>;
}

export function compactRolloutView(
  view: EntityRolloutView,
): CompactRolloutView {
  return {
    entityRef: view.entityRef,
    generatedAt: view.generatedAt,
    clusters: view.clusters.map(cluster => ({
      cluster: cluster.cluster,
      ...(cluster.error && {
        error: `${cluster.error.type}: ${cluster.error.message}`,
      }),
      ...(cluster.stale && { stale: cluster.stale.message }),
      routingObjects: cluster.virtualServices.map(vs => {
        const label = (key: string) =>
          vs.versions.find(v => v.key === key)?.label ?? key;
        const object: CompactRoutingObject = {
          kind: vs.kind ?? 'VirtualService',
          namespace: vs.namespace,
          name: vs.name,
          versions: vs.versions.map(v => ({
            version: v.label,
            host: v.host,
            ...(v.subset !== undefined && { subset: v.subset }),
            ready: v.ready,
            desired: v.desired,
            images: [...new Set(v.workloads.flatMap(w => w.images))],
          })),
          routes: vs.routes.map(route => ({
            index: route.index,
            ...(route.name !== undefined && { name: route.name }),
            strategy: route.strategy,
            explanation: route.explanation,
            ...(route.match.length > 0 && {
              match: describeMatch(route.match),
            }),
            split: route.destinations.map(d => ({
              version: label(d.versionKey),
              weight: d.weight,
            })),
            ...(route.mirror && {
              mirror: {
                version: label(route.mirror.versionKey),
                percentage: route.mirror.percentage,
              },
            }),
            ...(route.readOnly && { readOnly: route.readOnly }),
            warnings: route.warnings.map(w => w.message),
          })),
          warnings: vs.warnings.map(w => w.message),
        };
        if (vs.managedBy) {
          const { controller, name, strategy, phase, step } = vs.managedBy;
          object.managedBy = {
            controller,
            name,
            strategy,
            ...(phase !== undefined && { phase }),
            ...(step !== undefined && { step }),
          };
        }
        if (vs.observed) {
          object.observed = {
            window: vs.observed.window,
            versions: vs.observed.versions.map(v => ({
              version: label(v.versionKey),
              requestsPerSecond: v.requestsPerSecond,
              share: v.share,
              successRate: v.successRate,
              p99Ms: v.p99Ms,
            })),
            ...(vs.observed.error && { error: vs.observed.error }),
          };
        }
        if (vs.readOnly) object.readOnly = vs.readOnly;
        return object;
      }),
    })),
  };
}

/** A route's weights in one line, e.g. `v1 90%, v2 10%` (mirrors after). */
export function describeSnapshot(snapshot: RouteSnapshot): string {
  const weights = snapshot.destinations
    .map(d => `${d.subset ?? d.host} ${d.weight}%`)
    .join(', ');
  const mirror = snapshot.mirror
    ? `; mirrors ${snapshot.mirror.percentage}% to ${
        snapshot.mirror.subset ?? snapshot.mirror.host
      }`
    : '';
  return `${weights}${mirror}`;
}

/** A promotion request, as an agent reads it. */
export interface CompactPromotionRequest {
  id: string;
  status: string;
  entityRef: string;
  target: PromotionRequest['target'];
  change: PromotionRequest['change'];
  reason: string;
  requestedBy: string;
  createdAt: string;
  expiresAt: string;
  /** The route when the request was made, e.g. `v1 90%, v2 10%`. */
  before: string;
  /** The route as approving it would leave it. */
  plannedAfter: string;
  decidedBy?: string;
  decidedAt?: string;
  decisionReason?: string;
  message?: string;
}

export function compactPromotionRequest(
  request: PromotionRequest,
): CompactPromotionRequest {
  return {
    id: request.id,
    status: request.status,
    entityRef: request.entityRef,
    target: request.target,
    change: request.change,
    reason: request.reason,
    requestedBy: request.requestedBy,
    createdAt: request.createdAt,
    expiresAt: request.expiresAt,
    before: describeSnapshot(request.before),
    plannedAfter: describeSnapshot(request.plannedAfter),
    ...(request.decidedBy && { decidedBy: request.decidedBy }),
    ...(request.decidedAt && { decidedAt: request.decidedAt }),
    ...(request.decisionReason && { decisionReason: request.decisionReason }),
    ...(request.message && { message: request.message }),
  };
}
