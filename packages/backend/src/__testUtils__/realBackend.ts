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
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import permissionPlugin from '@backstage/plugin-permission-backend';
import istioRolloutsPlugin from '@istio-rollouts/plugin-istio-rollouts-backend';
import { clusterConfig } from '@internal/test-cluster';
import { resolve as resolvePath } from 'path';
import { permissionPolicyModule } from '../modules/permissionPolicy';

// The demo backend's permission and catalog plugins for real: the
// permission backend runs the demo policy and the catalog evaluates its
// isEntityOwner condition against the entities' ownership. Nothing here
// mocks a decision. Shared by the policy and the trust tests.

const examples = resolvePath(__dirname, '../../../../examples');

// What the sign-in resolver puts in each person's token (see demoSignIn):
// the user and the groups it is a member of in examples/org.yaml.
const MEMBERSHIP: Record<string, string[]> = {
  'user:default/alice': ['group:default/team-bookinfo'],
  'user:default/bob': ['group:default/team-mobile'],
  'user:default/carol': ['group:default/platform'],
};

const userInfo = createServiceFactory({
  service: coreServices.userInfo,
  deps: {},
  factory: () => ({
    async getUserInfo(credentials: any) {
      const userEntityRef = credentials.principal.userEntityRef;
      return {
        userEntityRef,
        ownershipEntityRefs: [
          userEntityRef,
          ...(MEMBERSHIP[userEntityRef] ?? []),
        ],
      };
    },
  }),
});

// Backstage's mock auth issues on-behalf-of tokens without the calling
// plugin as actor, which the catalog's apply-conditions endpoint requires
// (the real auth service sets it). Add it, as the real service does.
const authWithActor = createServiceFactory({
  service: coreServices.auth,
  deps: { plugin: coreServices.pluginMetadata },
  factory: ({ plugin }) => {
    const auth = mockServices.auth({ pluginId: plugin.getId() });
    return {
      ...auth,
      authenticate: auth.authenticate.bind(auth),
      isPrincipal: auth.isPrincipal.bind(auth) as typeof auth.isPrincipal,
      getNoneCredentials: auth.getNoneCredentials.bind(auth),
      getOwnServiceCredentials: auth.getOwnServiceCredentials.bind(auth),
      getLimitedUserToken: auth.getLimitedUserToken.bind(auth),
      listPublicServiceKeys: auth.listPublicServiceKeys.bind(auth),
      async getPluginRequestToken(options) {
        const { principal } = options.onBehalfOf as any;
        if (principal.type === 'user') {
          return {
            token: mockCredentials.user.token(principal.userEntityRef, {
              actor: { subject: `plugin:${plugin.getId()}` },
            }),
          };
        }
        return auth.getPluginRequestToken(options);
      },
    };
  },
});

export async function startBackend(
  options: {
    /** More catalog files (absolute paths), e.g. an attacker's entities. */
    locations?: string[];
    /** Clusters as kubernetes.clusterLocatorMethods lists them. */
    clusters?: any[];
    /** Merged into the root config's `istioRollouts`. */
    istioRollouts?: Record<string, unknown>;
  } = {},
) {
  return startTestBackend({
    features: [
      catalogPlugin,
      permissionPlugin,
      permissionPolicyModule,
      istioRolloutsPlugin,
      userInfo,
      authWithActor,
      mockServices.rootConfig.factory({
        data: {
          permission: { enabled: true },
          istioRollouts: {
            platformGroups: ['group:default/platform'],
            ...options.istioRollouts,
          },
          catalog: {
            rules: [
              { allow: ['Component', 'System', 'Group', 'User', 'Location'] },
            ],
            locations: [
              { type: 'file', target: `${examples}/entities.yaml` },
              { type: 'file', target: `${examples}/org.yaml` },
              ...(options.locations ?? []).map(target => ({
                type: 'file',
                target,
              })),
            ],
          },
          kubernetes: {
            clusterLocatorMethods: [
              {
                type: 'config',
                clusters: options.clusters ?? [clusterConfig('plugin')],
              },
            ],
          },
        },
      }),
    ],
  });
}
