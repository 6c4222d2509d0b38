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

import type { ClusterObjects } from '@istio-rollouts/plugin-istio-rollouts-common';

/** The kinds the rollout view is computed from, and how to find them. */
export interface WatchedKind {
  key: keyof ClusterObjects & string;
  /** Cluster-wide collection paths, preferred first (older Istio lacks v1). */
  paths: string[];
  /** CRDs a cluster may not have (Argo Rollouts, Flagger): absent means empty. */
  optional: boolean;
  /**
   * Lists and watches only the objects this selects, so that the others
   * never reach the plugin's memory (ReplicaSets: Argo Rollouts' only).
   */
  labelSelector?: string;
  /** Keeps only what the view needs, so the cache's memory stays bounded. */
  slim(object: any): any;
}

function slimMetadata(metadata: any) {
  const annotations = { ...(metadata?.annotations ?? {}) };
  // Often the biggest field of an object, and never read by the view.
  delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
  return {
    name: metadata?.name,
    namespace: metadata?.namespace,
    uid: metadata?.uid,
    resourceVersion: metadata?.resourceVersion,
    generation: metadata?.generation,
    labels: metadata?.labels,
    annotations,
    ownerReferences: metadata?.ownerReferences,
  };
}

// Routing objects also keep when they were created and which field
// managers last wrote their spec (without the fields themselves): the
// releases-in-flight page dates a route's state by them when the audit
// trail has no record of it.
function slimRoutingObject(object: any) {
  const slim = keepSpecAndStatus(object);
  const managedFields = Array.isArray(object.metadata?.managedFields)
    ? object.metadata.managedFields
        .filter(
          (m: any) =>
            typeof m?.time === 'string' &&
            (!m.fieldsV1 || 'f:spec' in m.fieldsV1),
        )
        .map((m: any) => ({
          manager: m.manager,
          operation: m.operation,
          time: m.time,
        }))
    : undefined;
  return {
    ...slim,
    metadata: {
      ...slim.metadata,
      creationTimestamp: object.metadata?.creationTimestamp,
      ...(managedFields && { managedFields }),
    },
  };
}

function keepSpecAndStatus(object: any) {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: slimMetadata(object.metadata),
    spec: object.spec,
    status: object.status,
  };
}

function slimDeployment(object: any) {
  const spec = object.spec ?? {};
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: slimMetadata(object.metadata),
    spec: {
      replicas: spec.replicas,
      selector: spec.selector,
      strategy: spec.strategy ? { type: spec.strategy.type } : undefined,
      template: {
        metadata: { labels: spec.template?.metadata?.labels },
        spec: {
          containers: (spec.template?.spec?.containers ?? []).map((c: any) => ({
            name: c.name,
            image: c.image,
          })),
        },
      },
    },
    status: object.status
      ? {
          replicas: object.status.replicas,
          readyReplicas: object.status.readyReplicas,
          updatedReplicas: object.status.updatedReplicas,
          availableReplicas: object.status.availableReplicas,
          observedGeneration: object.status.observedGeneration,
        }
      : undefined,
  };
}

// Argo Rollouts' ReplicaSets: each revision's own pod counts. Only what
// the tab shows, as there are several per Rollout (revisionHistoryLimit).
function slimReplicaSet(object: any) {
  const metadata = object.metadata ?? {};
  const spec = object.spec ?? {};
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: metadata.name,
      namespace: metadata.namespace,
      uid: metadata.uid,
      resourceVersion: metadata.resourceVersion,
      creationTimestamp: metadata.creationTimestamp,
      labels: metadata.labels,
      ownerReferences: slimOwnerReferences(metadata.ownerReferences),
    },
    spec: {
      replicas: spec.replicas,
      template: {
        metadata: { labels: spec.template?.metadata?.labels },
        spec: {
          containers: (spec.template?.spec?.containers ?? []).map((c: any) => ({
            name: c.name,
            image: c.image,
          })),
        },
      },
    },
    status: object.status
      ? {
          replicas: object.status.replicas,
          readyReplicas: object.status.readyReplicas,
          availableReplicas: object.status.availableReplicas,
        }
      : undefined,
  };
}

// Argo's AnalysisRuns: which ran and how they ended. Their spec (the
// metrics) and per-measurement status are large and not shown.
function slimAnalysisRun(object: any) {
  const metadata = object.metadata ?? {};
  return {
    apiVersion: object.apiVersion,
    kind: 'AnalysisRun',
    metadata: {
      name: metadata.name,
      namespace: metadata.namespace,
      uid: metadata.uid,
      resourceVersion: metadata.resourceVersion,
      creationTimestamp: metadata.creationTimestamp,
      labels: metadata.labels,
      ownerReferences: slimOwnerReferences(metadata.ownerReferences),
    },
    status: object.status
      ? { phase: object.status.phase, message: object.status.message }
      : undefined,
  };
}

function slimOwnerReferences(refs: any): any[] | undefined {
  return Array.isArray(refs)
    ? refs.map((r: any) => ({
        apiVersion: r.apiVersion,
        kind: r.kind,
        name: r.name,
        uid: r.uid,
        controller: r.controller,
      }))
    : undefined;
}

function slimService(object: any) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: slimMetadata(object.metadata),
    spec: { selector: object.spec?.selector, ports: object.spec?.ports },
  };
}

export const WATCHED_KINDS: WatchedKind[] = [
  {
    key: 'virtualServices',
    paths: [
      '/apis/networking.istio.io/v1/virtualservices',
      '/apis/networking.istio.io/v1beta1/virtualservices',
    ],
    optional: false,
    slim: slimRoutingObject,
  },
  {
    key: 'destinationRules',
    paths: [
      '/apis/networking.istio.io/v1/destinationrules',
      '/apis/networking.istio.io/v1beta1/destinationrules',
    ],
    optional: false,
    slim: keepSpecAndStatus,
  },
  {
    key: 'deployments',
    paths: ['/apis/apps/v1/deployments'],
    optional: false,
    slim: slimDeployment,
  },
  {
    key: 'services',
    paths: ['/api/v1/services'],
    optional: false,
    slim: slimService,
  },
  {
    // Their labels bind objects to entities (istioRollouts.ownership).
    key: 'namespaces',
    paths: ['/api/v1/namespaces'],
    optional: false,
    slim: (object: any) => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: object.metadata?.name,
        uid: object.metadata?.uid,
        resourceVersion: object.metadata?.resourceVersion,
        labels: object.metadata?.labels,
      },
    }),
  },
  {
    key: 'rollouts',
    paths: ['/apis/argoproj.io/v1alpha1/rollouts'],
    optional: true,
    slim: keepSpecAndStatus,
  },
  {
    key: 'canaries',
    paths: ['/apis/flagger.app/v1beta1/canaries'],
    optional: true,
    slim: keepSpecAndStatus,
  },
  {
    // Argo Rollouts labels the ReplicaSets it creates with their pod
    // template hash; Deployments' ReplicaSets (most of a cluster's) are
    // filtered out by the API server.
    key: 'replicaSets',
    paths: ['/apis/apps/v1/replicasets'],
    optional: false,
    labelSelector: 'rollouts-pod-template-hash',
    slim: slimReplicaSet,
  },
  {
    key: 'analysisRuns',
    paths: ['/apis/argoproj.io/v1alpha1/analysisruns'],
    optional: true,
    slim: slimAnalysisRun,
  },
  {
    // Gateway API's HTTPRoutes: shown (read-only until the plugin writes
    // them); clusters without the CRD simply have none.
    key: 'httpRoutes',
    paths: [
      '/apis/gateway.networking.k8s.io/v1/httproutes',
      '/apis/gateway.networking.k8s.io/v1beta1/httproutes',
    ],
    optional: true,
    slim: slimRoutingObject,
  },
];
