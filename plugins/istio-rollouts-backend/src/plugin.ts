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
import { readDurationFromConfig } from '@backstage/config';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import {
  ISTIO_ROLLOUTS_SIGNAL_CHANNEL,
  istioRolloutsPermissions,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { ClusterCaches } from './cluster/ClusterCaches';
import { DatabaseAuditStore } from './database/DatabaseAuditStore';
import { DatabasePromotionRequestStore } from './database/DatabasePromotionRequestStore';
import { readClustersFromConfig } from './cluster/ConfigClusters';
import { AuditTrail } from './service/AuditTrail';
import {
  PromotionRequestService,
  readApprovalPolicy,
} from './service/PromotionRequestService';
import { RolloutViewService } from './service/RolloutViewService';
import { RouteActionService } from './service/RouteActionService';
import { EntityAccess, readOwnershipPolicy } from './service/EntityAccess';
import { createRouter } from './service/router';
import { SignalTopics } from './service/signalTopics';

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
        auth: coreServices.auth,
        logger: coreServices.logger,
        config: coreServices.rootConfig,
        lifecycle: coreServices.lifecycle,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        catalog: catalogServiceRef,
        signals: signalsServiceRef,
        auditor: coreServices.auditor,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        notifications: notificationService,
      },
      async init({
        httpRouter,
        httpAuth,
        auth,
        logger,
        config,
        lifecycle,
        permissions,
        permissionsRegistry,
        catalog,
        signals,
        auditor,
        database,
        scheduler,
        notifications,
      }) {
        // Resource permissions on catalog-entity: the catalog owns that
        // resource type, so we only register the permissions themselves.
        permissionsRegistry.addPermissions(istioRolloutsPermissions);

        const caches = new ClusterCaches({
          clusters: readClustersFromConfig(config),
          logger,
        });
        // Signals reach every user: they carry opaque topics, no names.
        const topics = await SignalTopics.create({ database });
        caches.onChange((cluster, namespace) => {
          signals
            .publish({
              recipients: { type: 'broadcast' },
              channel: ISTIO_ROLLOUTS_SIGNAL_CHANNEL,
              message: topics.change(cluster, namespace),
            })
            .catch(error =>
              logger.warn(`could not publish change signal: ${error}`),
            );
        });
        caches.start();
        lifecycle.addShutdownHook(() => caches.stop());

        const policy = readApprovalPolicy(config);
        const auditStore = await DatabaseAuditStore.create({ database });
        const auditTrail = new AuditTrail({
          auditor,
          store: auditStore,
          logger,
        });
        // Writes need the catalog (permissions on the entity) and the
        // cluster (objects bound to the entity) to agree.
        const access = new EntityAccess({
          permissions,
          catalog,
          auth,
          policy: readOwnershipPolicy(config, logger),
        });
        const actions = new RouteActionService({
          caches,
          access,
          auditStore,
          logger,
          driftWatchMs:
            config.getOptionalNumber('istioRollouts.driftWatchSeconds') !==
            undefined
              ? config.getNumber('istioRollouts.driftWatchSeconds') * 1000
              : undefined,
        });
        const requests = new PromotionRequestService({
          store: await DatabasePromotionRequestStore.create({ database }),
          actions,
          permissions,
          auditTrail,
          policy,
          logger,
          notifications,
          signals,
          topics,
          entityLink: e =>
            `/catalog/${e.namespace}/${e.kind.toLocaleLowerCase('en-US')}/${
              e.name
            }/istio-rollouts`,
        });

        // One replica expires due requests at a time (global scope, a lock
        // in the database); the store's conditional updates would keep two
        // runs from expiring a request twice anyway.
        await scheduler.scheduleTask({
          id: 'istio-rollouts-expire-promotion-requests',
          frequency: config.has('istioRollouts.approvals.expiryCheckInterval')
            ? readDurationFromConfig(config, {
                key: 'istioRollouts.approvals.expiryCheckInterval',
              })
            : { minutes: 1 },
          timeout: { minutes: 5 },
          scope: 'global',
          fn: async () => {
            const { expired, abandoned } = await requests.expireDue();
            if (expired || abandoned) {
              logger.info(
                `expired ${expired} promotion request(s), failed ${abandoned} abandoned approval(s)`,
              );
            }
          },
        });

        httpRouter.use(
          await createRouter({
            auditTrail,
            auditStore,
            httpAuth,
            permissions,
            views: new RolloutViewService({ caches, access, topics }),
            access,
            actions,
            requests,
          }),
        );
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
