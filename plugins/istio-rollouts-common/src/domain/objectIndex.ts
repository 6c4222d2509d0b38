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

import { ClusterObjects } from '../kube/types';
import { asArray, dig, isRecord } from '../kube/guards';
import { resolveHost, serviceFqdn } from '../kube/hosts';
import {
  DestinationRuleModel,
  readDestinationRule,
  readVirtualService,
  VirtualServiceModel,
} from '../kube/readIstio';
import {
  CanaryModel,
  readCanary,
  readDeployment,
  readRollout,
  readService,
  RolloutModel,
  ServiceModel,
  WorkloadModel,
} from '../kube/readWorkloads';

/**
 * The objects of a bag, read once, with the lookups the domain needs.
 *
 * @internal
 */
export interface ObjectIndex {
  virtualServices: VirtualServiceModel[];
  destinationRules: DestinationRuleModel[];
  /** Deployments and Rollouts: both run the pods of a version. */
  workloads: WorkloadModel[];
  services: ServiceModel[];
  rollouts: RolloutModel[];
  canaries: CanaryModel[];
  /** ReplicaSets and AnalysisRuns as given (of Rollouts, read where needed). */
  replicaSets: unknown[];
  analysisRuns: unknown[];
  namespaces: ReadonlySet<string>;
  serviceByFqdn: ReadonlyMap<string, ServiceModel>;
  /** Resolves a host written in an object of `namespace`. */
  resolve(host: string, namespace: string): string;
}

// Reading an object (narrowing unknown JSON into a model) is most of the
// cost of a view. Callers such as the backend's watch-backed cache keep the
// same immutable object until it changes, so each object is read once per
// version: a page view then costs what its own objects cost. Models are
// never mutated after reading.
const readCache = new WeakMap<
  (raw: unknown) => unknown,
  WeakMap<object, unknown>
>();

function readOnce<T>(raw: unknown, read: (raw: unknown) => T): T {
  if (typeof raw !== 'object' || raw === null) {
    return read(raw);
  }
  let cache = readCache.get(read);
  if (!cache) {
    cache = new WeakMap();
    readCache.set(read, cache);
  }
  if (cache.has(raw)) {
    return cache.get(raw) as T;
  }
  const model = read(raw);
  cache.set(raw, model);
  return model;
}

// The object a model was read from (Rollouts and Canaries: their own
// state is read from the raw object).
const rawByModel = new WeakMap<object, unknown>();

/**
 * The raw object a model of the index was read from.
 *
 * @internal
 */
export function rawObject(model: object): unknown {
  return rawByModel.get(model);
}

// A cluster cannot hold two objects of a kind with the same namespace and
// name; a bag put together from files can. The first one wins.
function readAll<T extends { meta: { namespace: string; name: string } }>(
  objects: unknown,
  field: keyof ClusterObjects,
  read: (raw: unknown) => T | undefined,
): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const raw of asArray(dig(objects, field))) {
    const item = readOnce(raw, read);
    const key = item && `${item.meta.namespace}/${item.meta.name}`;
    if (item && key && !seen.has(key)) {
      seen.add(key);
      out.push(item);
      rawByModel.set(item, raw);
    }
  }
  return out;
}

/**
 * Reads every object of a bag. Never throws: unreadable objects are skipped.
 *
 * @internal
 */
export function indexClusterObjects(
  objects: Partial<ClusterObjects> | unknown,
): ObjectIndex {
  const virtualServices = readAll(
    objects,
    'virtualServices',
    readVirtualService,
  );
  const destinationRules = readAll(
    objects,
    'destinationRules',
    readDestinationRule,
  );
  const deployments = readAll(objects, 'deployments', readDeployment);
  const services = readAll(objects, 'services', readService);
  const rollouts = readAll(objects, 'rollouts', readRollout);
  const canaries = readAll(objects, 'canaries', readCanary);
  for (const rollout of rollouts) {
    rawByModel.set(rollout.workload, rawByModel.get(rollout));
  }

  const namespaces = new Set<string>();
  for (const list of [
    virtualServices,
    destinationRules,
    deployments,
    services,
    rollouts,
    canaries,
  ]) {
    for (const item of list) {
      namespaces.add(item.meta.namespace);
    }
  }
  const serviceByFqdn = new Map<string, ServiceModel>();
  for (const service of services) {
    serviceByFqdn.set(
      serviceFqdn(service.meta.name, service.meta.namespace),
      service,
    );
  }
  return {
    virtualServices,
    destinationRules,
    workloads: [...deployments, ...rollouts.map(r => r.workload)],
    services,
    rollouts,
    canaries,
    replicaSets: asArray(dig(objects, 'replicaSets')).filter(isRecord),
    analysisRuns: asArray(dig(objects, 'analysisRuns')).filter(isRecord),
    namespaces,
    serviceByFqdn,
    resolve: (host, namespace) => resolveHost(host, namespace, { namespaces }),
  };
}
