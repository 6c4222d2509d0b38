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

import { createBackend } from '@backstage/backend-defaults';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import {
  actionsRegistryServiceFactory,
  actionsServiceFactory,
} from '@backstage/backend-defaults/alpha';
import {
  BackendFeature,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import eventsPlugin from '@backstage/plugin-events-backend';
import mcpActionsPlugin from '@backstage/plugin-mcp-actions-backend';
import notificationsPlugin from '@backstage/plugin-notifications-backend';
import permissionPlugin from '@backstage/plugin-permission-backend';
import signalsPlugin from '@backstage/plugin-signals-backend';
import istioRolloutsPlugin from '@istio-rollouts/plugin-istio-rollouts-backend';
import { clusterConfig } from '@internal/test-cluster';
import { createServer } from 'node:net';
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Starts the backend. `server` is what supertest takes: the test server, or
 * with `signals` the backend's own base URL (also in `baseUrl`).
 */
export async function startBackend(
  options: {
    /** More catalog files (absolute paths), e.g. an attacker's entities. */
    locations?: string[];
    /** Clusters as kubernetes.clusterLocatorMethods lists them. */
    clusters?: any[];
    /** Instead of one `config` locator with `clusters`: these locators. */
    clusterLocatorMethods?: any[];
    /** Merged into the root config's `istioRollouts`. */
    istioRollouts?: Record<string, unknown>;
    /**
     * Keep the plugins' databases in this real PostgreSQL, one database per
     * plugin named `<prefix><pluginId>`, instead of an in-memory SQLite:
     * backends given the same one are replicas of one installation. Their
     * scheduler is then the real one too, which coordinates global tasks
     * through the same databases, as in production.
     */
    postgres?: { connectionString: string; prefix: string };
    /**
     * Run the real signals backend (WebSocket at /api/signals) over the real
     * events service, which goes through the events backend when
     * `events` is true (as packages/backend does) and stays in-process
     * otherwise.
     */
    signals?: { events: boolean };
    /**
     * Agents: the real actions registry and actions service (the test
     * backend's defaults are in-memory mocks), the MCP actions backend at
     * /api/mcp-actions/v1 with this plugin as its source, and the
     * notifications backend, as packages/backend installs them.
     */
    agents?: boolean;
  } = {},
): Promise<{ server: any; baseUrl?: string; stop(): Promise<void> }> {
  let listen: { baseUrl: string; port: number } | undefined;
  if (options.signals) {
    const port = await freePort();
    listen = { port, baseUrl: `http://127.0.0.1:${port}` };
  }
  const features: BackendFeature[] = [
    catalogPlugin,
    permissionPlugin,
    permissionPolicyModule,
    istioRolloutsPlugin,
    userInfo,
    authWithActor,
    ...(options.postgres ? [schedulerServiceFactory] : []),
    ...(options.agents
      ? [
          actionsRegistryServiceFactory,
          actionsServiceFactory,
          mcpActionsPlugin,
          notificationsPlugin,
        ]
      : []),
    mockServices.rootConfig.factory({
      data: {
        backend: {
          ...(listen && {
            baseUrl: listen.baseUrl,
            listen: { host: '127.0.0.1', port: listen.port },
          }),
          ...(options.agents && {
            actions: { pluginSources: ['istio-rollouts'] },
          }),
          ...(options.postgres && {
            database: {
              client: 'pg',
              connection: options.postgres.connectionString,
              prefix: options.postgres.prefix,
            },
          }),
        },
        permission: { enabled: true },
        // The notifications backend links to the app.
        ...(options.agents && { app: { baseUrl: 'http://localhost:3000' } }),
        istioRollouts: {
          platformGroups: ['group:default/platform'],
          ...options.istioRollouts,
        },
        catalog: {
          rules: [
            {
              allow: [
                'Component',
                'System',
                'Group',
                'User',
                'Location',
                'Resource',
              ],
            },
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
          clusterLocatorMethods: options.clusterLocatorMethods ?? [
            {
              type: 'config',
              clusters: options.clusters ?? [clusterConfig('plugin')],
            },
          ],
        },
      },
    }),
  ];
  if (!options.signals || !listen) {
    return startTestBackend({ features });
  }
  // The signals backend's WebSocket route (httpRouter.addWebSocketHandler)
  // came with backend-defaults 0.19, while backend-test-utils 1.11's test
  // backend serves HTTP through the backend-defaults 0.18 it brings: so
  // this is the production backend (createBackend, on a port of its own),
  // with the same test identities as above.
  const backend = createBackend();
  for (const feature of [
    ...features,
    signalsPlugin,
    ...(options.signals.events ? [eventsPlugin] : []),
    mockServices.httpAuth.factory(),
    mockServices.rootLogger.factory({ level: 'warn' }),
  ]) {
    backend.add(feature);
  }
  await backend.start();
  return {
    server: listen.baseUrl,
    baseUrl: listen.baseUrl,
    stop: () => backend.stop(),
  };
}
