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
  EntityRolloutView,
  buildVirtualServiceViews,
  readRolloutAnnotations,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { ClusterCaches } from '../cluster/ClusterCaches';
import { selectEntityObjects } from './entityNamespaces';

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
      });
    }
    const targets = annotations.cluster
      ? all.filter(c => c.name === annotations.cluster)
      : all;
    for (const cache of targets) {
      await cache.waitForSync(FIRST_SYNC_WAIT_MS);
      const error = cache.error();
      if (error) {
        clusters.push({ cluster: cache.name, virtualServices: [], error });
        continue;
      }
      const selected = selectEntityObjects(annotations, cache);
      clusters.push({
        cluster: cache.name,
        virtualServices: buildVirtualServiceViews(selected),
      });
    }
    return { entityRef: ref, clusters, generatedAt: new Date().toISOString() };
  }
}
