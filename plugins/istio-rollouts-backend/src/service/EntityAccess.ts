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
  AuthService,
  BackstageCredentials,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import {
  CompoundEntityRef,
  Entity,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  AuthorizeResult,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  BindingLookup,
  EntityBinding,
  KUBERNETES_ANNOTATIONS,
  OWNERSHIP_LABEL,
  OwnershipMode,
  RolloutAnnotations,
  RoutingObjectKind,
  entityBinding,
  objectBindingRefusal,
  routeWriteRefusal,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { ClusterObjectCache } from '../cluster/ClusterObjectCache';

/** How writes are scoped to cluster objects (`istioRollouts.ownership`). */
export interface OwnershipPolicy {
  mode: OwnershipMode;
  label: string;
}

/**
 * Reads `istioRollouts.ownership`; the catalog-only mode is an explicit
 * opt-in and is logged, because it lets anyone who can publish a
 * catalog-info.yaml claim any VirtualService.
 */
export function readOwnershipPolicy(
  config: Config,
  logger?: LoggerService,
): OwnershipPolicy {
  const mode =
    config.getOptionalString('istioRollouts.ownership.mode') ?? 'cluster-label';
  if (mode !== 'cluster-label' && mode !== 'catalog') {
    throw new InputError(
      `istioRollouts.ownership.mode must be 'cluster-label' or 'catalog', not '${mode}'`,
    );
  }
  const label =
    config.getOptionalString('istioRollouts.ownership.label') ??
    OWNERSHIP_LABEL;
  if (mode === 'catalog') {
    logger?.warn(
      "istioRollouts.ownership.mode is 'catalog': the catalog's annotations alone decide which VirtualServices and Deployments an entity may change, so anyone who can publish a catalog entity can move any service's traffic. Use it only where that is acceptable.",
    );
  }
  return { mode, label };
}

/**
 * The one authorization path of the plugin: "this user may do X to this
 * object of this entity" needs the catalog (the permission, decided by the
 * policy with the entity as resource, and the entity visible to the user)
 * and the cluster (the object bound to the entity, see the common package's
 * ownership rules). Route actions, promotion requests, approvals, scaling,
 * history and requests all go through here.
 */
export class EntityAccess {
  // kubernetes-id → when looked up, and who claimed it (see binding()).
  private readonly claimants = new Map<
    string,
    { at: number; refs: Promise<string[]> }
  >();

  constructor(
    private readonly options: {
      permissions: PermissionsService;
      catalog: CatalogService;
      auth: AuthService;
      policy: OwnershipPolicy;
    },
  ) {}

  /**
   * The permission on the entity, then the entity as the user's catalog
   * shows it: an entity the user may not see is "not found", whatever the
   * plugin's own permission says.
   */
  async authorize(
    entityRef: CompoundEntityRef,
    permission: ResourcePermission<'catalog-entity'>,
    credentials: BackstageCredentials,
    verb: string,
  ): Promise<{ ref: string; entity: Entity }> {
    const ref = stringifyEntityRef(entityRef);
    const [decision] = await this.options.permissions.authorize(
      [{ permission, resourceRef: ref }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `You may not ${verb} ${ref} (permission ${permission.name})`,
      );
    }
    const entity = await this.options.catalog.getEntityByRef(ref, {
      credentials,
    });
    if (!entity) {
      throw new NotFoundError(`Entity ${ref} not found in the catalog`);
    }
    return { ref, entity };
  }

  /**
   * What the cluster must say for this entity's writes. The id is the
   * entity's kubernetes-id annotation, which anyone can write into their own
   * catalog-info.yaml; so every entity that claims the same id is looked up
   * (as the plugin, to see them all), and a contested id binds nothing.
   */
  async binding(
    entity: Entity,
    options: {
      /**
       * Accept a look-up of the claimants this recent (a view's read-only
       * marks); by default, and for every write, they are looked up now.
       */
      maxAgeMs?: number;
    } = {},
  ): Promise<EntityBinding> {
    const { mode, label } = this.options.policy;
    const ref = stringifyEntityRef(entity);
    const kubernetesId =
      entity.metadata.annotations?.[KUBERNETES_ANNOTATIONS.id]?.trim() ||
      undefined;
    if (mode === 'catalog' || !kubernetesId) {
      return entityBinding({ mode, label, entityRef: ref, kubernetesId });
    }
    const now = Date.now();
    const cached = this.claimants.get(kubernetesId);
    let refs: Promise<string[]>;
    if (cached && options.maxAgeMs && now - cached.at <= options.maxAgeMs) {
      refs = cached.refs;
    } else {
      refs = this.lookUpClaimants(kubernetesId);
      this.claimants.set(kubernetesId, { at: now, refs });
      refs.catch(() => this.claimants.delete(kubernetesId));
      // Bounded: entries older than any caller accepts go.
      if (this.claimants.size > 10_000) this.claimants.clear();
    }
    return entityBinding({
      mode,
      label,
      entityRef: ref,
      kubernetesId,
      claimants: await refs,
    });
  }

  private async lookUpClaimants(kubernetesId: string): Promise<string[]> {
    const { items } = await this.options.catalog.getEntities(
      {
        filter: {
          [`metadata.annotations.${KUBERNETES_ANNOTATIONS.id}`]: kubernetesId,
        },
        fields: ['kind', 'metadata.namespace', 'metadata.name'],
      },
      { credentials: await this.options.auth.getOwnServiceCredentials() },
    );
    return items.map(e => stringifyEntityRef(e));
  }

  /**
   * An entity pinned to a cluster (`backstage.io/kubernetes-cluster`) is
   * read and changed there only.
   */
  assertClusterPin(
    ref: string,
    annotations: RolloutAnnotations,
    cluster: string,
  ) {
    if (annotations.cluster && annotations.cluster !== cluster) {
      throw new NotFoundError(
        `${ref} is pinned to cluster '${annotations.cluster}' (${KUBERNETES_ANNOTATIONS.cluster}); it has no objects on cluster '${cluster}'`,
      );
    }
  }

  /** Refuses a change to a route unless the cluster binds it to the entity. */
  assertRouteWritable(
    binding: EntityBinding,
    cache: ClusterObjectCache,
    virtualService: any,
    hosts: string[],
    kind?: RoutingObjectKind,
  ) {
    const refusal = routeWriteRefusal(
      binding,
      {
        namespace: virtualService?.metadata?.namespace,
        name: virtualService?.metadata?.name,
        labels: virtualService?.metadata?.labels,
        kind,
      },
      hosts,
      bindingLookup(cache),
    );
    if (refusal) throw new NotAllowedError(refusal);
  }

  /** Why the cluster does not bind an object (a workload) to the entity. */
  objectRefusal(
    binding: EntityBinding,
    cache: ClusterObjectCache,
    object: { kind: string; metadata?: any },
  ): string | undefined {
    return objectBindingRefusal(
      binding,
      {
        kind: object.kind,
        namespace: object.metadata?.namespace,
        name: object.metadata?.name,
        labels: object.metadata?.labels,
      },
      bindingLookup(cache),
    );
  }
}

/** Binding look-ups answered from a cluster's watch cache. */
export function bindingLookup(cache: ClusterObjectCache): BindingLookup {
  return {
    namespaceLabels: namespace => {
      const found = cache.find('namespaces', '', namespace);
      return found ? found.metadata?.labels ?? {} : undefined;
    },
    serviceLabels: (namespace, name) => {
      const service = cache.find('services', namespace, name);
      return service ? service.metadata?.labels ?? {} : undefined;
    },
  };
}
