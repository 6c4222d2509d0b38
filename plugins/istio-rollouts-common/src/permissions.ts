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

import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';
import { createPermission } from '@backstage/plugin-permission-common';

// Every entity-scoped permission is a resource permission on catalog-entity,
// so a policy can answer with the catalog's own conditions (isEntityOwner,
// hasAnnotation, ...) and the catalog evaluates them against the entity.

/**
 * See an entity's rollout view: strategy, traffic split, versions.
 *
 * @public
 */
export const istioRolloutsReadPermission = createPermission({
  name: 'istio-rollouts.rollout.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Ask the owners to move traffic (a promotion request).
 *
 * @public
 */
export const istioRolloutsRequestPermission = createPermission({
  name: 'istio-rollouts.promotion.request',
  attributes: { action: 'create' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Move traffic directly, and approve or reject others' requests.
 *
 * @public
 */
export const istioRolloutsApplyPermission = createPermission({
  name: 'istio-rollouts.promotion.apply',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Send all traffic back to the stable version. Separate from apply because
 * teams grant rollback to on-call engineers without full deploy rights.
 *
 * @public
 */
export const istioRolloutsRollbackPermission = createPermission({
  name: 'istio-rollouts.rollback',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Change the replica count of a version's Deployment.
 *
 * @public
 */
export const istioRolloutsScalePermission = createPermission({
  name: 'istio-rollouts.scale',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Read the cross-service audit trail (platform teams).
 *
 * @public
 */
export const istioRolloutsAuditReadPermission = createPermission({
  name: 'istio-rollouts.audit.read',
  attributes: { action: 'read' },
});

/**
 * Every permission of this plugin, for `permissionsRegistry.addPermissions`.
 *
 * @public
 */
export const istioRolloutsPermissions = [
  istioRolloutsReadPermission,
  istioRolloutsRequestPermission,
  istioRolloutsApplyPermission,
  istioRolloutsRollbackPermission,
  istioRolloutsScalePermission,
  istioRolloutsAuditReadPermission,
];
