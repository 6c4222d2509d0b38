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

import type { GatewayHttpRoute } from '../gatewayapi/types';

// Typed subsets of the Kubernetes objects this package reads: only the fields
// we care about (the idea of Argo Rollouts' istio_types.go). Every field is
// optional because the objects come from a cluster or a file and are read
// defensively; the readers in this folder never trust these types at runtime.

/**
 * An owner reference of a Kubernetes object.
 *
 * @public
 */
export interface KubeOwnerReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  uid?: string;
  controller?: boolean;
}

/**
 * One entry of `metadata.managedFields`: who applied which fields.
 *
 * @public
 */
export interface KubeManagedFieldsEntry {
  manager?: string;
  operation?: string;
}

/**
 * The metadata fields this package reads.
 *
 * @public
 */
export interface KubeObjectMeta {
  name?: string;
  /** Missing means `default`, as for `kubectl apply` without `-n`. */
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** RFC 3339 time the object was created. */
  creationTimestamp?: string;
  resourceVersion?: string;
  generation?: number;
  uid?: string;
  ownerReferences?: KubeOwnerReference[];
  managedFields?: KubeManagedFieldsEntry[];
}

/**
 * Any Kubernetes object.
 *
 * @public
 */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: KubeObjectMeta;
}

/**
 * Istio `StringMatch`: exactly one of the three is set.
 *
 * @public
 */
export interface IstioStringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
}

/**
 * Istio `HTTPMatchRequest`; all conditions of one entry must hold.
 *
 * @public
 */
export interface IstioHttpMatchRequest {
  name?: string;
  uri?: IstioStringMatch;
  scheme?: IstioStringMatch;
  method?: IstioStringMatch;
  authority?: IstioStringMatch;
  headers?: Record<string, IstioStringMatch>;
  withoutHeaders?: Record<string, IstioStringMatch>;
  queryParams?: Record<string, IstioStringMatch>;
  port?: number;
  sourceLabels?: Record<string, string>;
  sourceNamespace?: string;
  gateways?: string[];
}

/**
 * Istio `Destination`.
 *
 * @public
 */
export interface IstioDestination {
  host?: string;
  subset?: string;
  port?: { number?: number };
}

/**
 * Istio `HTTPRouteDestination` / `RouteDestination`.
 *
 * @public
 */
export interface IstioRouteDestination {
  destination?: IstioDestination;
  weight?: number;
}

/**
 * Istio `HTTPMirrorPolicy` (the `mirrors` list, Istio 1.22 and later).
 *
 * @public
 */
export interface IstioHttpMirrorPolicy {
  destination?: IstioDestination;
  percentage?: { value?: number };
}

/**
 * Istio `HTTPRoute`.
 *
 * @public
 */
export interface IstioHttpRoute {
  name?: string;
  match?: IstioHttpMatchRequest[];
  route?: IstioRouteDestination[];
  redirect?: unknown;
  directResponse?: unknown;
  delegate?: { name?: string; namespace?: string };
  mirror?: IstioDestination;
  mirrorPercentage?: { value?: number };
  /** Deprecated integer percentage that predates `mirrorPercentage`. */
  mirror_percent?: number;
  mirrors?: IstioHttpMirrorPolicy[];
  fault?: { delay?: unknown; abort?: { httpStatus?: number } };
}

/**
 * Istio `TCPRoute` or `TLSRoute`: only the destinations are read.
 *
 * @public
 */
export interface IstioL4Route {
  match?: unknown[];
  route?: IstioRouteDestination[];
}

/**
 * Istio VirtualService; `networking.istio.io` v1, v1beta1 and v1alpha3 share this shape.
 *
 * @public
 */
export interface IstioVirtualService extends KubeObject {
  spec?: {
    hosts?: string[];
    gateways?: string[];
    http?: IstioHttpRoute[];
    tcp?: IstioL4Route[];
    tls?: IstioL4Route[];
  };
}

/**
 * Istio DestinationRule.
 *
 * @public
 */
export interface IstioDestinationRule extends KubeObject {
  spec?: {
    host?: string;
    subsets?: Array<{ name?: string; labels?: Record<string, string> }>;
  };
}

/**
 * Pod template fields shared by Deployments and Rollouts.
 *
 * @public
 */
export interface KubePodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec?: { containers?: Array<{ name?: string; image?: string }> };
}

/**
 * Replica counts in the status of a Deployment or Rollout.
 *
 * @public
 */
export interface KubeReplicaStatus {
  replicas?: number;
  readyReplicas?: number;
  updatedReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
}

/**
 * apps/v1 Deployment.
 *
 * @public
 */
export interface KubeDeployment extends KubeObject {
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
    template?: KubePodTemplate;
    strategy?: { type?: string };
  };
  status?: KubeReplicaStatus;
}

/**
 * v1 Service.
 *
 * @public
 */
export interface KubeService extends KubeObject {
  spec?: { selector?: Record<string, string> };
}

/**
 * A VirtualService named by an Argo Rollouts canary; `name` may be `name.namespace`.
 *
 * @public
 */
export interface ArgoRolloutVirtualServiceRef {
  name?: string;
  routes?: string[];
}

/**
 * argoproj.io/v1alpha1 Rollout.
 *
 * @public
 */
export interface ArgoRollout extends KubeObject {
  spec?: {
    replicas?: number;
    template?: KubePodTemplate;
    strategy?: {
      canary?: {
        steps?: unknown[];
        canaryService?: string;
        stableService?: string;
        trafficRouting?: {
          managedRoutes?: Array<{ name?: string }>;
          istio?: {
            virtualService?: ArgoRolloutVirtualServiceRef;
            virtualServices?: ArgoRolloutVirtualServiceRef[];
            destinationRule?: {
              name?: string;
              canarySubsetName?: string;
              stableSubsetName?: string;
            };
          };
        };
      };
      blueGreen?: { activeService?: string; previewService?: string };
    };
  };
  status?: KubeReplicaStatus & {
    phase?: string;
    currentStepIndex?: number;
    canary?: {
      weights?: {
        canary?: { weight?: number; serviceName?: string };
        stable?: { weight?: number; serviceName?: string };
      };
    };
  };
}

/**
 * flagger.app/v1beta1 Canary.
 *
 * @public
 */
export interface FlaggerCanary extends KubeObject {
  spec?: {
    targetRef?: { kind?: string; name?: string };
    service?: { name?: string; port?: number };
    analysis?: {
      iterations?: number;
      match?: unknown[];
      stepWeight?: number;
      maxWeight?: number;
      stepWeights?: number[];
      mirror?: boolean;
      threshold?: number;
      webhooks?: Array<{ name?: string; type?: string; url?: string }>;
    };
  };
  status?: {
    phase?: string;
    canaryWeight?: number;
    iterations?: number;
    failedChecks?: number;
    lastTransitionTime?: string;
    conditions?: Array<{ type?: string; status?: string; message?: string }>;
  };
}

/**
 * apps/v1 ReplicaSet: Argo Rollouts runs each revision of a Rollout in one,
 * labelled `rollouts-pod-template-hash`.
 *
 * @public
 */
export interface KubeReplicaSet extends KubeObject {
  spec?: { replicas?: number; template?: KubePodTemplate };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
  };
}

/**
 * argoproj.io/v1alpha1 AnalysisRun: one run of an analysis a Rollout asked for.
 *
 * @public
 */
export interface ArgoAnalysisRun extends KubeObject {
  status?: { phase?: string; message?: string };
}

/**
 * The objects of one cluster (or a slice of it) that a rollout view is built from.
 *
 * @public
 */
export interface ClusterObjects {
  virtualServices: IstioVirtualService[];
  destinationRules: IstioDestinationRule[];
  deployments: KubeDeployment[];
  services: KubeService[];
  rollouts: ArgoRollout[];
  canaries: FlaggerCanary[];
  /**
   * ReplicaSets of Rollouts, for each revision's own pod counts; without
   * them a version driven by a Rollout shows the whole Rollout's counts.
   */
  replicaSets?: KubeReplicaSet[];
  /** AnalysisRuns of Rollouts (Argo Rollouts' CRD; absent without it). */
  analysisRuns?: ArgoAnalysisRun[];
  /**
   * Gateway API HTTPRoutes (`gateway.networking.k8s.io`; absent without
   * the CRD), read by `buildHttpRouteViews`.
   */
  httpRoutes?: GatewayHttpRoute[];
  /**
   * Namespaces (their labels bind objects to entities); the backend's
   * cache holds them, the view functions do not need them.
   */
  namespaces?: Array<{
    metadata?: { name?: string; labels?: Record<string, string> };
  }>;
}
