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

import { Entity } from '@backstage/catalog-model';
import { NotFoundError } from '@backstage/errors';
import {
  buildHttpRouteViews,
  buildVirtualServiceViews,
  readRolloutAnnotations,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { ClusterCaches } from '../cluster/ClusterCaches';
import { ClusterUnavailableError, UnprocessableError } from '../errors';
import { RouteKind } from '../traffic/TrafficRouter';
import { EntityAccess } from './EntityAccess';
import {
  selectEntityHttpRouteObjects,
  selectEntityObjects,
} from './entityNamespaces';

/**
 * Finds an entity's routing objects on a cluster, as its rollout view shows
 * them, for a write: the object to change must be one of them, since
 * permissions are granted per entity and an owner of one service must not
 * move another's traffic (or scale its versions).
 */
export class EntityRouteLocator {
  constructor(
    private readonly options: { caches: ClusterCaches; access: EntityAccess },
  ) {}

  /** The entity's routing objects on `cluster`, from a synced cache. */
  async views(ref: string, entity: Entity, cluster: string) {
    const annotations = readRolloutAnnotations(entity);
    this.options.access.assertClusterPin(ref, annotations, cluster);
    const cache = this.options.caches.get(cluster);
    if (!cache) {
      throw new NotFoundError(`Cluster '${cluster}' is not configured`);
    }
    await cache.waitForSync(5_000);
    const error = cache.error();
    if (error?.type === 'unreachable') {
      // The cache's own message names the socket error: logs, not users.
      throw new ClusterUnavailableError(
        `Cluster ${cluster} cannot be reached; the change was not applied (nothing was sent). Try again when the cluster is back.`,
      );
    }
    if (error)
      throw new UnprocessableError(
        `Cluster ${cluster} cannot be read: ${error.message}`,
      );
    return {
      cache,
      annotations,
      views: [
        ...buildVirtualServiceViews(selectEntityObjects(annotations, cache)),
        ...buildHttpRouteViews(
          selectEntityHttpRouteObjects(annotations, cache),
        ),
      ],
    };
  }

  /** One of the entity's routing objects, or NotFoundError. */
  async locate(
    ref: string,
    entity: Entity,
    target: {
      cluster: string;
      namespace: string;
      name: string;
      kind: RouteKind;
    },
  ) {
    const { cluster, namespace, name, kind } = target;
    const { cache, annotations, views } = await this.views(
      ref,
      entity,
      cluster,
    );
    const vs = views.find(
      v =>
        (v.kind ?? 'VirtualService') === kind &&
        v.namespace === namespace &&
        v.name === name,
    );
    if (!vs) {
      throw new NotFoundError(
        `${kind} ${namespace}/${name} is not one of ${ref}'s ${kind}s on cluster ${cluster}`,
      );
    }
    return { cache, vs, annotations };
  }
}
