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
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  isPermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  istioRolloutsApplyPermission,
  istioRolloutsAuditReadPermission,
  istioRolloutsRollbackPermission,
  istioRolloutsScalePermission,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { UserInfoService } from '@backstage/backend-plugin-api';
import { catalogEntityReadPermission } from '@backstage/plugin-catalog-common/alpha';

/**
 * The demo's restricted entities (e.g. `ledger`) carry this label: only
 * their owners and the platform groups may read them in the catalog, so
 * that the demo shows what a person who may not see a service is shown.
 */
export const RESTRICTED_LABEL = 'istio-rollouts.demo/restricted';

// Entity-scoped actions that move traffic: owners of the entity only.
const OWNER_ONLY = [
  istioRolloutsApplyPermission,
  istioRolloutsRollbackPermission,
  istioRolloutsScalePermission,
];

/**
 * The demo's policy: everyone signed in reads and requests; owners of an
 * entity apply, roll back and scale on it; members of the configured
 * platform groups may do everything and read the audit. Everything outside
 * this plugin is allowed, as in a stock Backstage demo, except reading an
 * entity labelled {@link RESTRICTED_LABEL}: owners and platform groups only.
 */
export class IstioRolloutsDemoPolicy implements PermissionPolicy {
  constructor(
    private readonly userInfo: UserInfoService,
    private readonly platformGroups: readonly string[],
  ) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const { permission } = request;
    const readsCatalog = isPermission(permission, catalogEntityReadPermission);
    const ownsAll =
      OWNER_ONLY.some(p => isPermission(permission, p)) ||
      isPermission(permission, istioRolloutsAuditReadPermission);
    if (!ownsAll && !readsCatalog) {
      return { result: AuthorizeResult.ALLOW };
    }
    if (!user) {
      // Nobody to own anything: what is not restricted stays readable.
      return readsCatalog
        ? createCatalogConditionalDecision(catalogEntityReadPermission, {
            not: catalogConditions.hasLabel({ label: RESTRICTED_LABEL }),
          })
        : { result: AuthorizeResult.DENY };
    }
    const { ownershipEntityRefs } = await this.userInfo.getUserInfo(
      user.credentials,
    );
    if (ownershipEntityRefs.some(ref => this.platformGroups.includes(ref))) {
      return { result: AuthorizeResult.ALLOW };
    }
    if (readsCatalog) {
      // The catalog applies this as a filter to every read (lists, by-ref
      // lookups, search), so a restricted entity is absent, not forbidden.
      return createCatalogConditionalDecision(catalogEntityReadPermission, {
        anyOf: [
          catalogConditions.isEntityOwner({ claims: ownershipEntityRefs }),
          { not: catalogConditions.hasLabel({ label: RESTRICTED_LABEL }) },
        ],
      });
    }
    if (isPermission(permission, istioRolloutsAuditReadPermission)) {
      return { result: AuthorizeResult.DENY };
    }
    // A conditional decision: the catalog evaluates ownership against the
    // entity's ownedBy relations when the plugin authorizes with a resourceRef.
    return createCatalogConditionalDecision(
      permission as (typeof OWNER_ONLY)[number],
      catalogConditions.isEntityOwner({ claims: ownershipEntityRefs }),
    );
  }
}

/** Installs {@link IstioRolloutsDemoPolicy} as the permission policy. */
export const permissionPolicyModule = createBackendModule({
  pluginId: 'permission',
  moduleId: 'istio-rollouts-demo-policy',
  register(reg) {
    reg.registerInit({
      deps: {
        policy: policyExtensionPoint,
        config: coreServices.rootConfig,
        userInfo: coreServices.userInfo,
      },
      async init({ policy, config, userInfo }) {
        const platformGroups =
          config.getOptionalStringArray('istioRollouts.platformGroups') ?? [];
        policy.setPolicy(new IstioRolloutsDemoPolicy(userInfo, platformGroups));
      },
    });
  },
});
