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
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { istioRolloutsPermissions } from '@istio-rollouts/plugin-istio-rollouts-common';
import { ClusterCaches } from './cluster/ClusterCaches';
import { DatabaseAuditStore } from './database/DatabaseAuditStore';
import { readClustersFromConfig } from './cluster/ConfigClusters';
import { RolloutViewService } from './service/RolloutViewService';
import { RouteActionService } from './service/RouteActionService';
import { createRouter } from './service/router';

/** Signal channel announcing changed objects; the frontend refetches its view. */
export const SIGNAL_CHANNEL = 'istio-rollouts:changes';

/**
 * The Istio Rollouts backend plugin: reads Istio routing for catalog
 * entities and moves traffic under catalog-based permissions.
 *
 * @public
 */
export const istioRolloutsPlugin = createBackendPlugin({
  pluginId: 'istio-rollouts',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        logger: coreServices.logger,
        config: coreServices.rootConfig,
        lifecycle: coreServices.lifecycle,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        catalog: catalogServiceRef,
        signals: signalsServiceRef,
        auditor: coreServices.auditor,
        database: coreServices.database,
      },
      async init({
        httpRouter,
        httpAuth,
        logger,
        config,
        lifecycle,
        permissions,
        permissionsRegistry,
        catalog,
        signals,
        auditor,
        database,
      }) {
        // Resource permissions on catalog-entity: the catalog owns that
        // resource type, so we only register the permissions themselves.
        permissionsRegistry.addPermissions(istioRolloutsPermissions);

        const caches = new ClusterCaches({
          clusters: readClustersFromConfig(config),
          logger,
        });
        caches.onChange((cluster, namespace) => {
          signals
            .publish({
              recipients: { type: 'broadcast' },
              channel: SIGNAL_CHANNEL,
              message: { cluster, namespace },
            })
            .catch(error =>
              logger.warn(`could not publish change signal: ${error}`),
            );
        });
        caches.start();
        lifecycle.addShutdownHook(() => caches.stop());

        httpRouter.use(
          await createRouter({
            auditor,
            auditStore: await DatabaseAuditStore.create({ database }),
            logger,
            httpAuth,
            permissions,
            views: new RolloutViewService({ caches, catalog }),
            actions: new RouteActionService({
              caches,
              catalog,
              permissions,
              logger,
              driftWatchMs:
                config.getOptionalNumber('istioRollouts.driftWatchSeconds') !==
                undefined
                  ? config.getNumber('istioRollouts.driftWatchSeconds') * 1000
                  : undefined,
            }),
          }),
        );
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
