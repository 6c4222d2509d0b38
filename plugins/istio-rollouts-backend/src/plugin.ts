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
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import {
  ISTIO_ROLLOUTS_SIGNAL_CHANNEL,
  istioRolloutsPermissions,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import {
  ClusterCaches,
  readClusterFreshnessOptions,
} from './cluster/ClusterCaches';
import { DatabaseAuditStore } from './database/DatabaseAuditStore';
import { DatabasePromotionRequestStore } from './database/DatabasePromotionRequestStore';
import {
  ClusterDetails,
  readClustersFromConfig,
} from './cluster/ConfigClusters';
import { kubernetesBackendCredentials } from './cluster/cloudCredentials';
import { readCatalogClusterLocator } from './cluster/catalogClusterPolling';
import { AuditTrail } from './service/AuditTrail';
import { ControllerActionService } from './service/ControllerActionService';
import { FlaggerGateService } from './service/flagger/FlaggerGateService';
import {
  PromotionRequestService,
  readAbandonedAfterMs,
  readApprovalPolicy,
} from './service/PromotionRequestService';
import { RolloutViewService } from './service/RolloutViewService';
import { RouteActionService } from './service/RouteActionService';
import { EntityAccess, readOwnershipPolicy } from './service/EntityAccess';
import { ReleasesInFlightService } from './service/ReleasesInFlightService';
import { registerRolloutActions } from './actions/rolloutActions';
import {
  StaleReleaseNotifier,
  readReleasesInFlightConfig,
} from './service/StaleReleaseNotifier';
import { ObservedChangeRecorder } from './service/ObservedChangeRecorder';
import {
  WriteReconciler,
  readClusterRequestTimeoutMs,
} from './service/WriteReconciler';
import { createRouter } from './service/router';
import { readMetricsConfig } from './metrics/metricsConfig';
import { PrometheusClient } from './metrics/PrometheusClient';
import { TrafficMetricsService } from './metrics/TrafficMetricsService';
import { CanaryAutoRollback } from './service/CanaryAutoRollback';
import { routeAnalysisReader } from './service/routeAnalysisReader';
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
        discovery: coreServices.discovery,
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
        actionsRegistry: actionsRegistryServiceRef,
      },
      async init({
        httpRouter,
        httpAuth,
        auth,
        discovery,
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
        actionsRegistry,
      }) {
        // Resource permissions on catalog-entity: the catalog owns that
        // resource type, so we only register the permissions themselves.
        permissionsRegistry.addPermissions(istioRolloutsPermissions);

        // Traffic changes made outside the plugin go on record (see
        // ObservedChangeRecorder); set before the caches list anything.
        let observed: ObservedChangeRecorder | undefined = undefined;
        // The deadline of every cluster call (istioRollouts.clusterRequestTimeout).
        const requestTimeoutMs = readClusterRequestTimeoutMs(config);
        const clusters = readClustersFromConfig(config);
        // Observed traffic and canary analysis (istioRollouts.metrics):
        // read first, so a bad key stops startup before anything runs.
        // Catalog clusters are not known yet: names are then not checked.
        const catalogLocated = (
          config.getOptionalConfigArray('kubernetes.clusterLocatorMethods') ??
          []
        ).some(m => m.getString('type') === 'catalog');
        const metricsConfig = readMetricsConfig(config, {
          clusters: catalogLocated ? undefined : clusters.map(c => c.name),
        });
        const withDeadline = (list: ClusterDetails[]) =>
          list.map(c => ({ ...c, requestTimeoutMs }));
        const caches = new ClusterCaches({
          clusters: withDeadline(clusters),
          cloudCredentials: kubernetesBackendCredentials({ config, logger }),
          logger,
          freshness: readClusterFreshnessOptions(config),
          onVirtualService: (cluster, event) =>
            observed?.handle(cluster, event),
        });
        // Signals reach every user: they carry opaque topics, no names.
        const topics = await SignalTopics.create({ database });
        const signalChange = (cluster: string, namespace: string) => {
          signals
            .publish({
              recipients: { type: 'broadcast' },
              channel: ISTIO_ROLLOUTS_SIGNAL_CHANNEL,
              message: topics.change(cluster, namespace),
            })
            .catch(error =>
              logger.warn(`could not publish change signal: ${error}`),
            );
        };
        caches.onChange(signalChange);
        const policy = readApprovalPolicy(config);
        const auditStore = await DatabaseAuditStore.create({ database });
        const ownership = readOwnershipPolicy(config, logger);
        observed = new ObservedChangeRecorder({
          store: auditStore,
          caches,
          catalog,
          auth,
          policy: ownership,
          logger,
          onRecorded: signalChange,
        });
        caches.start();
        // Clusters described by catalog Resources (a `catalog` locator)
        // come and go while the backend runs: looked up again regularly.
        const catalogClusters = readCatalogClusterLocator(config, {
          catalog,
          auth,
          logger,
        });
        const stopCatalogClusters = catalogClusters?.follow(found => {
          const { added, removed } = caches.setClusters(
            withDeadline([...clusters, ...found]),
          );
          if (added.length || removed.length) {
            logger.info(
              `clusters from the catalog: added ${
                added.join(', ') || 'none'
              }, removed ${removed.join(', ') || 'none'}`,
            );
          }
        });
        lifecycle.addShutdownHook(async () => {
          stopCatalogClusters?.();
          await caches.stop();
          await observed?.stop();
        });

        const requestStore = await DatabasePromotionRequestStore.create({
          database,
        });
        // Writes sent but not answered are settled once the cluster answers;
        // an approval failed as "not known yet" becomes applied if it was.
        const reconciler = new WriteReconciler({
          caches,
          store: auditStore,
          logger,
          requestTimeoutMs,
          onSettled: async (record, outcome) => {
            if (!record.requestId) return;
            // A request failed as "not known yet" says what was found:
            // applied, or still failed with the settled truth.
            await requestStore.settleUnknownApproval(
              record.requestId,
              outcome.outcome === 'applied'
                ? {
                    message: `Applied: the cluster did not answer in time, and the plugin confirmed later that the change was made (audit record ${record.id}).`,
                    resourceVersionAfter: outcome.resourceVersionAfter,
                  }
                : {
                    status: 'failed',
                    message: `${outcome.message} (audit record ${record.id})`,
                  },
            );
          },
        });
        lifecycle.addShutdownHook(() => reconciler.stop());
        const auditTrail = new AuditTrail({
          auditor,
          store: auditStore,
          logger,
          onUnknown: record => reconciler.track(record),
        });
        lifecycle.addShutdownHook(() => auditTrail.stop());
        // Writes need the catalog (permissions on the entity) and the
        // cluster (objects bound to the entity) to agree.
        const access = new EntityAccess({
          permissions,
          catalog,
          auth,
          policy: ownership,
        });
        const releasesConfig = readReleasesInFlightConfig(config);
        const releases = new ReleasesInFlightService({
          caches,
          catalog,
          auth,
          permissions,
          auditStore,
          requestStore,
          ownershipLabel: ownership.label,
          staleAfterMs: releasesConfig.staleAfterMs,
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
        // Flagger's webhook gates: Flagger asks the plugin, people answer.
        const flaggerGates = await FlaggerGateService.create({
          database,
          config,
          logger,
          clusters: caches,
          audit: auditTrail,
        });
        // Argo Rollouts' and Flagger's own actions. The Rollout's watch
        // signals its change anyway; a gate lives only in the plugin.
        const controllerActions = new ControllerActionService({
          caches,
          access,
          logger,
          gates: flaggerGates,
          discovery,
          onChanged: signalChange,
        });
        const metrics =
          metricsConfig &&
          new TrafficMetricsService({
            prometheus: new PrometheusClient({
              baseUrl: metricsConfig.prometheusUrl,
              timeoutMs: metricsConfig.requestTimeoutMs,
            }),
            config: metricsConfig,
            logger,
          });
        const views = new RolloutViewService({
          caches,
          access,
          topics,
          flaggerGates,
          metrics,
          auditStore,
        });
        const requests = new PromotionRequestService({
          store: requestStore,
          actions,
          controllerActions,
          permissions,
          auditTrail,
          policy,
          abandonedAfterMs: readAbandonedAfterMs(config),
          logger,
          notifications,
          signals,
          topics,
          entityLink: e =>
            `/catalog/${e.namespace}/${e.kind.toLocaleLowerCase('en-US')}/${
              e.name
            }/istio-rollouts`,
          analyses: metrics
            ? routeAnalysisReader({ catalog, auth, views })
            : undefined,
        });

        lifecycle.addShutdownHook(() => requests.stop());

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

        // Records a replica left `unknown` (it died before the cluster
        // answered) are settled by one replica at a time.
        await scheduler.scheduleTask({
          id: 'istio-rollouts-settle-unknown-writes',
          frequency: { minutes: 1 },
          timeout: { minutes: 5 },
          scope: 'global',
          fn: async () => {
            const { settled, pending } = await reconciler.settleUnsettled();
            if (settled || pending) {
              logger.info(
                `settled ${settled} write(s) of unknown outcome, ${pending} still waiting for their cluster`,
              );
            }
          },
        });

        if (metricsConfig) {
          // Canaries that fail their analysis go back to stable, for the
          // entities that ask for it; one replica at a time (a lock in the
          // database), and RouteActionService's checks as for a person.
          const autoRollback = new CanaryAutoRollback({
            catalog,
            auth,
            views,
            actions,
            auditTrail,
            logger,
          });
          await scheduler.scheduleTask({
            id: 'istio-rollouts-canary-auto-rollback',
            frequency: metricsConfig.analysis.interval,
            timeout: { minutes: 5 },
            scope: 'global',
            fn: async () => {
              await autoRollback.runOnce();
            },
          });
        }

        if (releasesConfig.notifyOwners) {
          // Owners of releases left half-way hear about them once per
          // period, from one replica (global scope, a lock in the database).
          const notifier = new StaleReleaseNotifier({
            releases,
            notifications,
            logger,
            pageLink: '/istio-rollouts-releases',
          });
          await scheduler.scheduleTask({
            id: 'istio-rollouts-notify-stale-releases',
            frequency: releasesConfig.notifyOwners.frequency,
            timeout: { minutes: 10 },
            scope: 'global',
            fn: async () => {
              const { owners, releases: stale } = await notifier.notifyOnce();
              if (owners) {
                logger.info(
                  `told ${owners} owner(s) about ${stale} stale release(s)`,
                );
              }
            },
          });
        }

        // Agents and pipelines: read, ask and preview through the actions
        // registry (served as MCP tools by the MCP actions backend).
        registerRolloutActions({
          actionsRegistry,
          auth,
          access,
          views,
          requests,
          routeActions: actions,
        });

        httpRouter.use(
          await createRouter({
            auditTrail,
            auditStore,
            httpAuth,
            logger,
            permissions,
            views,
            access,
            actions,
            controllerActions,
            flaggerWebhook: flaggerGates.webhookRouter(),
            requests,
            releases,
          }),
        );
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
        // Flagger sends no credentials; each webhook URL carries a
        // per-Canary token (see FlaggerGateService).
        httpRouter.addAuthPolicy({
          path: '/flagger',
          allow: 'unauthenticated',
        });
      },
    });
  },
});
