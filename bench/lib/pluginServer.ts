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

// The plugin's router and services on a real HTTP server, for benchmarks
// that measure a request through the plugin's API. A signed-in user and
// ALLOW stand in for the auth and permission backends, which are not what
// these measure.

import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { ConfigReader } from '@backstage/config';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import express from 'express';
import knexFactory from 'knex';
import { randomBytes } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { ClusterCaches } from '../../plugins/istio-rollouts-backend/src/cluster/ClusterCaches';
import { DatabaseAuditStore } from '../../plugins/istio-rollouts-backend/src/database/DatabaseAuditStore';
import { DatabasePromotionRequestStore } from '../../plugins/istio-rollouts-backend/src/database/DatabasePromotionRequestStore';
import { AuditTrail } from '../../plugins/istio-rollouts-backend/src/service/AuditTrail';
import { ControllerActionService } from '../../plugins/istio-rollouts-backend/src/service/ControllerActionService';
import { EntityAccess } from '../../plugins/istio-rollouts-backend/src/service/EntityAccess';
import {
  PromotionRequestService,
  readApprovalPolicy,
} from '../../plugins/istio-rollouts-backend/src/service/PromotionRequestService';
import { RolloutViewService } from '../../plugins/istio-rollouts-backend/src/service/RolloutViewService';
import { RouteActionService } from '../../plugins/istio-rollouts-backend/src/service/RouteActionService';
import { createRouter } from '../../plugins/istio-rollouts-backend/src/service/router';
import { ReleasesInFlightService } from '../../plugins/istio-rollouts-backend/src/service/ReleasesInFlightService';
import { SignalTopics } from '../../plugins/istio-rollouts-backend/src/service/signalTopics';
import { quietLogger } from './stats';

export interface PluginServer {
  /** The plugin's API, e.g. http://127.0.0.1:PORT/api/istio-rollouts. */
  base: string;
  /** The plugin's cache of the cluster (as cluster `local`), synced. */
  caches: ClusterCaches;
  stop(): Promise<void>;
}

/**
 * Serves the plugin for the catalog entity component:default/web, bound by
 * the label `backstage.io/kubernetes-id: web` and annotated with the
 * VirtualService `<namespace>/web`. The plugin reads the cluster with its own
 * token (cluster.tokens.plugin); audit rows and promotion requests go to an
 * in-memory SQLite database, as in the demo.
 */
export async function startPluginServer(
  cluster: any,
  options: {
    /** The namespace of the entity's VirtualService `web`. */
    namespace: string;
    /** Wire the Argo Rollouts and Flagger actions into the router. */
    controllerActions?: boolean;
  },
): Promise<PluginServer> {
  const logger = quietLogger;
  const caches = new ClusterCaches({
    clusters: [
      {
        name: 'local',
        url: cluster.apiserverUrl,
        serviceAccountToken: cluster.tokens.plugin,
        caData: cluster.caData,
        skipTLSVerify: false,
      },
    ],
    logger,
  });
  caches.start();
  await caches.list()[0].waitForSync(30_000);
  const entity = {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'web',
      namespace: 'default',
      annotations: {
        'istio-rollouts/virtual-services': `${options.namespace}/web`,
        'backstage.io/kubernetes-id': 'web',
      },
    },
    spec: {},
  };
  const catalog = {
    getEntityByRef: async () => entity,
    getEntities: async () => ({ items: [entity] }),
  } as any;
  const permissions = {
    authorize: async (reqs: unknown[]) =>
      reqs.map(() => ({ result: AuthorizeResult.ALLOW })),
    authorizeConditional: async () => [],
  } as any;
  const httpAuth = {
    credentials: async () => ({
      $$type: '@backstage/BackstageCredentials',
      principal: { type: 'user', userEntityRef: 'user:default/alice' },
    }),
  } as any;
  // Audit rows go to a real SQLite audit store, as in the demo. Auditor
  // events are created and closed as in production; where they go (the
  // root logger by default) is not what this measures.
  const auditDb = knexFactory({
    client: 'better-sqlite3',
    connection: ':memory:',
    useNullAsDefault: true,
  });
  const auditStore = await DatabaseAuditStore.create({
    database: { getClient: async () => auditDb },
  });
  const auditor = {
    createEvent: async () => ({
      success: async () => {},
      fail: async () => {},
    }),
  } as any;
  const auditTrail = new AuditTrail({ auditor, store: auditStore, logger });
  const access = new EntityAccess({
    catalog,
    permissions,
    auth: { getOwnServiceCredentials: async () => ({}) } as any,
    policy: { mode: 'cluster-label', label: 'backstage.io/kubernetes-id' },
  });
  const topics = new SignalTopics(randomBytes(32));
  const actions = new RouteActionService({ caches, access, logger });
  const controllerActions = options.controllerActions
    ? new ControllerActionService({ caches, access, logger })
    : undefined;
  const requestStore = await DatabasePromotionRequestStore.create({
    database: { getClient: async () => auditDb },
  });
  const router = await createRouter({
    access,
    releases: new ReleasesInFlightService({
      caches,
      catalog,
      auth: { getOwnServiceCredentials: async () => ({}) } as any,
      permissions,
      auditStore,
      requestStore,
      ownershipLabel: 'backstage.io/kubernetes-id',
      staleAfterMs: 7 * 86_400_000,
    }),
    auditTrail,
    auditStore,
    httpAuth,
    permissions,
    views: new RolloutViewService({ caches, access, topics }),
    actions,
    controllerActions,
    requests: new PromotionRequestService({
      store: requestStore,
      actions,
      controllerActions,
      permissions,
      auditTrail,
      policy: readApprovalPolicy(new ConfigReader({})),
      logger,
      topics,
    }),
  });
  const app = express();
  app.use('/api/istio-rollouts', router);
  app.use(
    MiddlewareFactory.create({
      config: new ConfigReader({}),
      logger: logger as any,
    }).error(),
  );
  const server = app.listen(0, '127.0.0.1');
  await new Promise(r => server.once('listening', r));
  const base = `http://127.0.0.1:${
    (server.address() as AddressInfo).port
  }/api/istio-rollouts`;
  return {
    base,
    caches,
    async stop() {
      server.close();
      await caches.stop();
      await auditDb.destroy();
    },
  };
}

/**
 * POSTs a route action on route `primary` of VirtualService
 * `<namespace>/web` for component:default/web, as the tab does; throws
 * with the answer unless it is 200.
 */
export async function postWebRouteAction(
  base: string,
  namespace: string,
  operation: unknown,
  reason?: string,
): Promise<unknown> {
  const res = await fetch(
    `${base}/entities/default/component/web/route-actions`,
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        target: {
          cluster: 'local',
          namespace,
          virtualService: 'web',
          route: 'primary',
        },
        operation,
        ...(reason ? { reason } : {}),
      }),
    },
  );
  if (res.status !== 200) {
    throw new Error(`plugin answered ${res.status}: ${await res.text()}`);
  }
  return res.json();
}
