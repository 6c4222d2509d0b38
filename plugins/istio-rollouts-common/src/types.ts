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

import type { RoutingObjectKind } from './actions';
import type { CanaryAnalysisView, ObservedTrafficView } from './metrics';
import type {
  ArgoRolloutStateView,
  FlaggerCanaryStateView,
} from './controllers';

// Wire types of the rollout view: what the backend computes from cluster
// objects (with the pure functions of this package) and the frontend shows.
// Mesh-neutral names where possible, so a Gateway API HTTPRoute reader can
// produce the same view later.

/**
 * How a route releases versions, decided from the objects themselves.
 *
 * @public
 */
export type RolloutStrategy =
  | 'canary'
  | 'blue-green'
  | 'targeted'
  | 'mirror'
  | 'rolling'
  | 'recreate'
  | 'managed'
  | 'unknown';

/**
 * A problem or caveat found in the objects.
 *
 * @public
 */
export interface RolloutWarning {
  /** Stable machine-readable code, e.g. `weights-not-100`, `subset-undefined`. */
  code: string;
  severity: 'info' | 'warning' | 'error';
  /** One sentence a person understands, naming the objects involved. */
  message: string;
}

/**
 * A workload that runs pods of a version.
 *
 * @public
 */
export interface WorkloadView {
  kind: 'Deployment' | 'Rollout';
  namespace: string;
  name: string;
  images: string[];
  replicas: {
    desired: number;
    ready: number;
    updated: number;
    available: number;
  };
  /** Kubernetes update strategy of a Deployment. */
  updateStrategy?: 'RollingUpdate' | 'Recreate';
  /** Human summary of an update in progress, e.g. `2 of 4 pods updated`. */
  progress?: string;
}

/**
 * One version of a service: a (host, subset) pair and what runs it.
 *
 * @public
 */
export interface VersionView {
  /** Stable key used by destinations and for the version's colour, e.g. `reviews/v2` or `search-canary`. */
  key: string;
  /** Short label, e.g. `v2` or `search-canary`. */
  label: string;
  /** Host as written in the VirtualService. */
  host: string;
  /** Fully qualified host as Istio resolves it. */
  fqdn: string;
  subset?: string;
  /** Pod labels of the subset (from the DestinationRule), or of the Service selector for host-split versions. */
  labels: Record<string, string>;
  workloads: WorkloadView[];
  ready: number;
  desired: number;
}

/**
 * One destination of an http route.
 *
 * @public
 */
export interface DestinationView {
  versionKey: string;
  host: string;
  subset?: string;
  port?: number;
  /** Percentage of the route's traffic; a lone destination without weight is 100. */
  weight: number;
}

/**
 * A match condition of an http route, flattened for display.
 *
 * @public
 */
export interface MatchRuleView {
  /** e.g. `header`, `uri`, `queryParam`, `cookie`, `method`, `sourceLabels`. */
  kind: string;
  /** Header or parameter name, when the kind has one. */
  name?: string;
  /** `exact`, `prefix` or `regex`. */
  operator?: string;
  value: string;
}

/**
 * One http route of a VirtualService.
 *
 * @public
 */
export interface RouteView {
  index: number;
  name?: string;
  /** OR of ANDs, as in Istio: each inner list is one `match` entry. */
  match: MatchRuleView[][];
  destinations: DestinationView[];
  mirror?: {
    versionKey: string;
    host: string;
    subset?: string;
    percentage: number;
  };
  /** A delegate VirtualService handles this route. */
  delegate?: { namespace: string; name: string };
  strategy: RolloutStrategy;
  /** One line a person would say, e.g. `Canary: 10% of traffic goes to v2, 90% stays on v1`. */
  explanation: string;
  warnings: RolloutWarning[];
  /**
   * Set when the cluster does not let this entity change the route (the
   * VirtualService or a destination is not bound to it): why, and which
   * label would bind it. Absent when writes may go ahead.
   */
  readOnly?: string;
}

/**
 * A TCP or TLS route: shown, never changed.
 *
 * @public
 */
export interface NonHttpRouteView {
  protocol: 'tcp' | 'tls';
  index: number;
  destinations: DestinationView[];
}

/**
 * The controller that owns a VirtualService's weights; the plugin never writes to it.
 *
 * @public
 */
export interface ManagedByView {
  controller: 'argo-rollouts' | 'flagger';
  namespace: string;
  name: string;
  /** e.g. `canary`, `blueGreen`, `A/B testing`. */
  strategy: string;
  /** e.g. `Progressing`, `Succeeded`. */
  phase?: string;
  /** e.g. `step 2 of 5`, `canary weight 20%`. */
  step?: string;
  /** Argo Rollouts: the Rollout's steps, pauses, analyses, ReplicaSets and which actions make sense. */
  argo?: ArgoRolloutStateView;
  /** Flagger: the Canary's phase, weight, checks and webhook gates. */
  flagger?: FlaggerCanaryStateView;
}

/**
 * A GitOps tool that tracks a VirtualService and may revert changes to it.
 *
 * @public
 */
export interface TrackedByView {
  tool: 'argo-cd' | 'flux';
  /** The application or kustomization, as the annotation or label names it. */
  source: string;
}

/**
 * One VirtualService and everything needed to show its releases.
 *
 * @public
 */
export interface VirtualServiceView {
  /**
   * Which kind of route object this view shows: an Istio VirtualService,
   * or a Gateway API `HTTPRoute` (`gateway.networking.k8s.io`), whose
   * versions are Services and whose routes are its rules. Absent means
   * `VirtualService`.
   */
  kind?: RoutingObjectKind;
  namespace: string;
  name: string;
  apiVersion: string;
  resourceVersion: string;
  hosts: string[];
  gateways: string[];
  versions: VersionView[];
  routes: RouteView[];
  nonHttpRoutes: NonHttpRouteView[];
  managedBy?: ManagedByView;
  trackedBy?: TrackedByView[];
  warnings: RolloutWarning[];
  /**
   * The traffic each version really received over the last window, from
   * the metrics (`istioRollouts.metrics`). Absent when no metrics are
   * configured.
   */
  observed?: ObservedTrafficView;
  /**
   * The canary analysis of the route that splits traffic between a stable
   * and a canary version, when metrics are configured and there is one.
   */
  analysis?: CanaryAnalysisView;
  /**
   * Set when the cluster binds this VirtualService to another entity, or
   * the entity can be bound to nothing: why, and which label would bind it.
   * Its routes are read-only then; scaling its versions may still be refused.
   */
  readOnly?: string;
}

/**
 * Why a cluster gave no view.
 *
 * @public
 */
export interface ClusterErrorView {
  type: 'unreachable' | 'unauthorized' | 'forbidden' | 'not-synced' | 'unknown';
  message: string;
}

/**
 * The rollout view of an entity on one cluster.
 *
 * @public
 */
export interface ClusterRolloutView {
  cluster: string;
  virtualServices: VirtualServiceView[];
  error?: ClusterErrorView;
  /**
   * ISO time up to which the backend's copy of this cluster is known to be
   * current: its last list, watch event or BOOKMARK, or — while every watch
   * stream is open — the last time the API server answered the backend's
   * heartbeat (every 10 s by default). The same for every kind: the oldest
   * wins. Absent until the cluster has been listed once.
   */
  syncedAt?: string;
  /**
   * Set when `syncedAt` is older than the backend's threshold
   * (`istioRollouts.staleAfter`, default 30 s): the API server stopped
   * answering or a watch is broken, and `virtualServices` are the last copy,
   * possibly out of date (writes to the cluster read it first). `since`: ISO
   * time it went stale (`syncedAt` plus the threshold); `message`: why, for
   * people. Absent when the copy is current.
   */
  stale?: { since: string; message: string };
  /**
   * Opaque topics of the changes that concern this part of the view: the
   * tab refetches when a signal on `istio-rollouts:changes` carries one of
   * them (as `topic` or `clusterTopic`). Signals go to everyone, so they
   * name no cluster or namespace.
   */
  signalTopics?: string[];
}

/**
 * The rollout view of an entity across clusters.
 *
 * @public
 */
export interface EntityRolloutView {
  entityRef: string;
  clusters: ClusterRolloutView[];
  /** ISO time the view was computed. */
  generatedAt: string;
}
