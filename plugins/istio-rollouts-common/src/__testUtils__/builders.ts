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
  ClusterObjects,
  IstioHttpRoute,
  IstioVirtualService,
  KubeDeployment,
  KubeObjectMeta,
} from '../kube/types';
import { emptyObjects } from './loadYaml';

// Test-only builders for the project's own small fixtures.

export function virtualService(
  name: string,
  http: IstioHttpRoute[],
  options: {
    namespace?: string;
    hosts?: string[];
    metadata?: Partial<KubeObjectMeta>;
    extra?: Record<string, unknown>;
  } = {},
): IstioVirtualService {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: {
      name,
      namespace: options.namespace ?? 'shop',
      resourceVersion: '42',
      ...options.metadata,
    },
    spec: { hosts: options.hosts ?? [name], http, ...options.extra },
  };
}

export function destinationRule(
  host: string,
  subsets: string[],
  namespace = 'shop',
  name = host,
) {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name, namespace },
    spec: {
      host,
      subsets: subsets.map(s => ({ name: s, labels: { version: s } })),
    },
  };
}

export function service(
  name: string,
  selector: Record<string, string>,
  namespace = 'shop',
  labels: Record<string, string> = {},
) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels },
    spec: { selector },
  };
}

export function deployment(
  name: string,
  podLabels: Record<string, string>,
  options: {
    namespace?: string;
    replicas?: number;
    ready?: number;
    updated?: number;
    image?: string;
    strategy?: 'RollingUpdate' | 'Recreate';
    labels?: Record<string, string>;
  } = {},
): KubeDeployment {
  const replicas = options.replicas ?? 2;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: options.namespace ?? 'shop',
      generation: 1,
      labels: options.labels,
    },
    spec: {
      replicas,
      selector: { matchLabels: podLabels },
      template: {
        metadata: { labels: podLabels },
        spec: {
          containers: [{ name: 'app', image: options.image ?? `${name}:1` }],
        },
      },
      strategy: options.strategy ? { type: options.strategy } : undefined,
    },
    status: {
      observedGeneration: 1,
      replicas,
      readyReplicas: options.ready ?? replicas,
      updatedReplicas: options.updated ?? replicas,
      availableReplicas: options.ready ?? replicas,
    },
  };
}

/** Builds `reviews` in namespace shop: Service, DR with v1..v3, one Deployment per version. */
export function reviewsApp(ready: Partial<Record<string, number>> = {}) {
  return {
    services: [service('reviews', { app: 'reviews' })],
    destinationRules: [destinationRule('reviews', ['v1', 'v2', 'v3'])],
    deployments: ['v1', 'v2', 'v3'].map(v =>
      deployment(
        `reviews-${v}`,
        { app: 'reviews', version: v },
        {
          ready: ready[v],
        },
      ),
    ),
  };
}

/** A bag from parts; missing kinds are empty. */
export function bag(...parts: Array<Partial<ClusterObjects>>): ClusterObjects {
  const out = emptyObjects();
  for (const part of parts) {
    for (const [key, list] of Object.entries(part)) {
      (out[key as keyof ClusterObjects] as unknown[]).push(
        ...((list as unknown[]) ?? []),
      );
    }
  }
  return out;
}

export function split(
  weights: Array<[string, number | undefined]>,
  host = 'reviews',
): IstioHttpRoute['route'] {
  return weights.map(([subset, weight]) => ({
    destination: { host, subset },
    ...(weight === undefined ? {} : { weight }),
  }));
}
