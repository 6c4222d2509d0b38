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

import { BackstageCredentials } from '@backstage/backend-plugin-api';
import {
  CompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  ClusterRolloutView,
  EntityBinding,
  VirtualServiceView,
  routeWriteRefusal,
  EntityRolloutView,
  EntityClusterObjects,
  RolloutAnnotations,
  buildVirtualServiceViews,
  readRolloutAnnotations,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { ClusterCaches } from '../cluster/ClusterCaches';
import { ClusterObjectCache } from '../cluster/ClusterObjectCache';
import { EntityAccess, bindingLookup } from './EntityAccess';
import { selectEntityObjects } from './entityNamespaces';
import { SignalTopics } from './signalTopics';

/** How long a request waits for a cluster's first list before answering. */
const FIRST_SYNC_WAIT_MS = 5_000;

/**
 * Computes an entity's rollout view from the watch-backed caches. The
 * catalog says which objects belong to the entity (annotations); the pure
 * functions of the common package turn those objects into the view.
 */
export class RolloutViewService {
  constructor(
    private readonly options: {
      caches: ClusterCaches;
      catalog: CatalogService;
      /** Without it, the view does not say which routes are read-only. */
      access?: EntityAccess;
      /** The view says which change signals concern it. */
      topics: SignalTopics;
    },
  ) {}

  async getEntityView(
    entityRef: CompoundEntityRef,
    credentials: BackstageCredentials,
  ): Promise<EntityRolloutView> {
    const ref = stringifyEntityRef(entityRef);
    const entity = await this.options.catalog.getEntityByRef(ref, {
      credentials,
    });
    if (!entity) {
      throw new NotFoundError(`Entity ${ref} not found in the catalog`);
    }
    const annotations = readRolloutAnnotations(entity);
    const binding = await this.options.access?.binding(entity);
    const { topics } = this.options;
    const all = this.options.caches.list();
    const clusters: ClusterRolloutView[] = [];

    if (annotations.cluster && !all.some(c => c.name === annotations.cluster)) {
      clusters.push({
        cluster: annotations.cluster,
        virtualServices: [],
        error: {
          type: 'unknown',
          message: `cluster '${annotations.cluster}' named by backstage.io/kubernetes-cluster is not configured`,
        },
        signalTopics: topics.clusterView(annotations.cluster),
      });
    }
    const targets = annotations.cluster
      ? all.filter(c => c.name === annotations.cluster)
      : all;
    for (const cache of targets) {
      await cache.waitForSync(FIRST_SYNC_WAIT_MS);
      const error = cache.error();
      if (error) {
        clusters.push({
          cluster: cache.name,
          virtualServices: [],
          error,
          signalTopics: topics.clusterView(cache.name),
        });
        continue;
      }
      const selected = selectEntityObjects(annotations, cache);
      const views = buildVirtualServiceViews(selected);
      if (binding) markReadOnly(views, binding, cache);
      clusters.push({
        cluster: cache.name,
        virtualServices: views,
        signalTopics: topics.clusterView(
          cache.name,
          views.length ? namespacesOf(selected, annotations) : undefined,
        ),
      });
    }
    return { entityRef: ref, clusters, generatedAt: new Date().toISOString() };
  }
}

// Annotations decide what the tab shows; the cluster decides what may
// change. Each route the entity could not change says why, as a write
// would be refused.
function markReadOnly(
  views: VirtualServiceView[],
  binding: EntityBinding,
  cache: ClusterObjectCache,
) {
  const lookup = bindingLookup(cache);
  for (const vs of views) {
    const labels = cache.find('virtualServices', vs.namespace, vs.name)
      ?.metadata?.labels;
    const meta = { namespace: vs.namespace, name: vs.name, labels };
    // No route at all: is the VirtualService itself the entity's?
    const whole = routeWriteRefusal(binding, meta, [], lookup);
    if (whole) vs.readOnly = whole;
    for (const route of vs.routes) {
      const hosts = [
        ...route.destinations.map(d => d.host),
        ...(route.mirror ? [route.mirror.host] : []),
      ];
      const refusal = whole ?? routeWriteRefusal(binding, meta, hosts, lookup);
      if (refusal) route.readOnly = refusal;
    }
  }
}

// The namespaces a change in which may change the view: those of the
// objects it was computed from (VirtualServices, DestinationRules,
// Services, the versions' workloads and their controllers), and those of
// named VirtualServices not found yet.
function namespacesOf(
  selected: EntityClusterObjects,
  annotations: RolloutAnnotations,
): Set<string> {
  const namespaces = new Set<string>();
  for (const objects of [
    selected.virtualServices,
    selected.destinationRules,
    selected.services,
    selected.deployments,
    selected.rollouts,
    selected.canaries,
  ]) {
    for (const object of objects) {
      if (object.metadata?.namespace) namespaces.add(object.metadata.namespace);
    }
  }
  for (const ref of selected.notFound) {
    const namespace = ref.namespace ?? annotations.namespace;
    if (namespace) namespaces.add(namespace);
  }
  return namespaces;
}
