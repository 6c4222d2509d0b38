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

import {
  asArray,
  asNumber,
  asString,
  asStringList,
  asStringMap,
  dig,
  isRecord,
} from './guards';
import { ObjectMetaModel, readMeta } from './readMeta';

// Workloads, Services and the progressive-delivery controllers' objects,
// reduced to what the domain needs. Like the Istio readers, these never throw.

/** @internal */
export interface ReplicaCounts {
  desired: number;
  ready: number;
  updated: number;
  available: number;
  /** Undefined when the object has no status (a manifest, not a live object). */
  observed?: { replicas: number; generation?: number };
}

/** @internal */
export interface WorkloadModel {
  kind: 'Deployment' | 'Rollout';
  meta: ObjectMetaModel;
  podLabels: Record<string, string>;
  images: string[];
  replicas: ReplicaCounts;
  /** Deployments only; Kubernetes defaults to RollingUpdate. */
  updateStrategy?: 'RollingUpdate' | 'Recreate';
  /**
   * Rollouts only: the counts and images are those of this one ReplicaSet
   * (the revision a Service or subset pins), not the whole Rollout's.
   */
  replicaSet?: string;
}

/** @internal */
export interface ServiceModel {
  meta: ObjectMetaModel;
  selector: Record<string, string>;
}

/** @internal */
export interface RolloutModel {
  meta: ObjectMetaModel;
  workload: WorkloadModel;
  strategy?: 'canary' | 'blueGreen';
  stepCount: number;
  /** VirtualServices whose weights the Rollout sets, with the routes it owns (empty: all). */
  virtualServices: Array<{ namespace: string; name: string; routes: string[] }>;
  /** Routes the Rollout adds for header and mirror steps. */
  managedRoutes: string[];
  canaryService?: string;
  stableService?: string;
  activeService?: string;
  previewService?: string;
  phase?: string;
  currentStepIndex?: number;
}

/** @internal */
export interface CanaryModel {
  meta: ObjectMetaModel;
  targetName?: string;
  /** The Service, and so the VirtualService, that Flagger generates. */
  serviceName?: string;
  analysis: {
    iterations?: number;
    stepWeight?: number;
    stepWeights: number[];
    maxWeight?: number;
    hasMatch: boolean;
    mirror: boolean;
  };
  phase?: string;
  canaryWeight?: number;
  iterations?: number;
}

function readReplicas(raw: unknown): ReplicaCounts {
  const status = dig(raw, 'status');
  const observed = asNumber(dig(status, 'replicas'));
  return {
    // Kubernetes defaults spec.replicas to 1.
    desired: asNumber(dig(raw, 'spec', 'replicas')) ?? 1,
    ready: asNumber(dig(status, 'readyReplicas')) ?? 0,
    updated: asNumber(dig(status, 'updatedReplicas')) ?? 0,
    available: asNumber(dig(status, 'availableReplicas')) ?? 0,
    observed: isRecord(status)
      ? {
          replicas: observed ?? 0,
          generation: asNumber(status.observedGeneration),
        }
      : undefined,
  };
}

function readImages(raw: unknown): string[] {
  const images: string[] = [];
  for (const container of asArray(
    dig(raw, 'spec', 'template', 'spec', 'containers'),
  )) {
    const image = asString(dig(container, 'image'));
    if (image && !images.includes(image)) {
      images.push(image);
    }
  }
  return images;
}

function readWorkload(
  kind: WorkloadModel['kind'],
  raw: unknown,
): WorkloadModel | undefined {
  const meta = readMeta(raw);
  if (!meta) {
    return undefined;
  }
  // Kubernetes defaults a Deployment's strategy to RollingUpdate.
  const deploymentStrategy =
    asString(dig(raw, 'spec', 'strategy', 'type')) === 'Recreate'
      ? ('Recreate' as const)
      : ('RollingUpdate' as const);
  return {
    kind,
    meta,
    podLabels: asStringMap(dig(raw, 'spec', 'template', 'metadata', 'labels')),
    images: readImages(raw),
    replicas: readReplicas(raw),
    updateStrategy: kind === 'Deployment' ? deploymentStrategy : undefined,
  };
}

/** @internal */
export function readDeployment(raw: unknown): WorkloadModel | undefined {
  return readWorkload('Deployment', raw);
}

/** @internal */
export function readService(raw: unknown): ServiceModel | undefined {
  const meta = readMeta(raw);
  return meta
    ? { meta, selector: asStringMap(dig(raw, 'spec', 'selector')) }
    : undefined;
}

// Argo Rollouts accepts `name` or `name.namespace` (GetVirtualServiceNamespaceName).
function readVirtualServiceRef(raw: unknown, namespace: string) {
  const ref = asString(dig(raw, 'name'));
  if (!ref) {
    return undefined;
  }
  const [name, refNamespace] = ref.split('.');
  return {
    name,
    namespace: refNamespace || namespace,
    routes: asStringList(dig(raw, 'routes')),
  };
}

function rolloutStrategy(
  canary: unknown,
  blueGreen: unknown,
): RolloutModel['strategy'] {
  if (isRecord(canary)) return 'canary';
  if (isRecord(blueGreen)) return 'blueGreen';
  return undefined;
}

/** @internal */
export function readRollout(raw: unknown): RolloutModel | undefined {
  const workload = readWorkload('Rollout', raw);
  if (!workload) {
    return undefined;
  }
  const { meta } = workload;
  const canary = dig(raw, 'spec', 'strategy', 'canary');
  const blueGreen = dig(raw, 'spec', 'strategy', 'blueGreen');
  const istio = dig(canary, 'trafficRouting', 'istio');
  const virtualServices = [
    dig(istio, 'virtualService'),
    ...asArray(dig(istio, 'virtualServices')),
  ]
    .map(ref => readVirtualServiceRef(ref, meta.namespace))
    .filter((ref): ref is NonNullable<typeof ref> => ref !== undefined);
  return {
    meta,
    workload,
    strategy: rolloutStrategy(canary, blueGreen),
    stepCount: asArray(dig(canary, 'steps')).length,
    virtualServices,
    managedRoutes: asArray(dig(canary, 'trafficRouting', 'managedRoutes'))
      .map(item => asString(dig(item, 'name')))
      .filter((name): name is string => name !== undefined),
    canaryService: asString(dig(canary, 'canaryService')),
    stableService: asString(dig(canary, 'stableService')),
    activeService: asString(dig(blueGreen, 'activeService')),
    previewService: asString(dig(blueGreen, 'previewService')),
    phase: asString(dig(raw, 'status', 'phase')),
    currentStepIndex: asNumber(dig(raw, 'status', 'currentStepIndex')),
  };
}

/** @internal */
export function readCanary(raw: unknown): CanaryModel | undefined {
  const meta = readMeta(raw);
  if (!meta) {
    return undefined;
  }
  const analysis = dig(raw, 'spec', 'analysis');
  return {
    meta,
    targetName: asString(dig(raw, 'spec', 'targetRef', 'name')),
    serviceName: asString(dig(raw, 'spec', 'service', 'name')),
    analysis: {
      iterations: asNumber(dig(analysis, 'iterations')),
      stepWeight: asNumber(dig(analysis, 'stepWeight')),
      stepWeights: asArray(dig(analysis, 'stepWeights'))
        .map(asNumber)
        .filter((n): n is number => n !== undefined),
      maxWeight: asNumber(dig(analysis, 'maxWeight')),
      hasMatch: asArray(dig(analysis, 'match')).length > 0,
      mirror: dig(analysis, 'mirror') === true,
    },
    phase: asString(dig(raw, 'status', 'phase')),
    canaryWeight: asNumber(dig(raw, 'status', 'canaryWeight')),
    iterations: asNumber(dig(raw, 'status', 'iterations')),
  };
}
