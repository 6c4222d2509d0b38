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
  SchedulerService,
  ServiceFactory,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  TestDatabases,
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  NotificationSendOptions,
  notificationService,
} from '@backstage/plugin-notifications-node';
import {
  SignalPayload,
  signalsServiceRef,
} from '@backstage/plugin-signals-node';
import {
  apiRequest,
  clusterConfig,
  createTestNamespace,
  kubectl,
} from '@internal/test-cluster';
import request from 'supertest';
import { istioRolloutsPlugin } from '../plugin';

// Builders shared by the plugin's tests against the real local cluster.

export function serviceEntity(
  name: string,
  annotations: Record<string, string>,
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    // The entity's kubernetes-id is its name unless the test says otherwise;
    // createWebService's namespace binds its objects to `web`.
    metadata: {
      name,
      namespace: 'default',
      annotations: { 'backstage.io/kubernetes-id': name, ...annotations },
    },
    spec: { type: 'service', owner: 'team-bookinfo', lifecycle: 'production' },
  };
}

/** Backstage's mock scheduler, typed with what tests use of it. */
export type TestScheduler = SchedulerService & {
  factory(options?: {
    skipTaskRunOnStartup?: boolean;
  }): ServiceFactory<SchedulerService, 'plugin', 'singleton'>;
  triggerTask(id: string): Promise<void>;
};

export function testScheduler(): TestScheduler {
  return mockServices.scheduler() as TestScheduler;
}

export async function startPlugin(
  options: {
    entities?: Entity[];
    clusters?: any[];
    /**
     * A decision for every permission, or one per permission name (and
     * user entity ref of the caller, if a user).
     */
    permission?:
      | AuthorizeResult.ALLOW
      | AuthorizeResult.DENY
      | ((
          name: string,
          user?: string,
        ) => AuthorizeResult.ALLOW | AuthorizeResult.DENY);
    signals?: SignalPayload[];
    config?: Record<string, any>;
    /** Receives every audit event, then its outcome ('success' or 'fail') and details. */
    audits?: Array<{ event: any; outcome?: string; details?: any }>;
    /** Receives every notification sent. */
    notifications?: NotificationSendOptions[];
    /** The plugin database; default a fresh in-memory SQLite. */
    database?: Awaited<ReturnType<TestDatabases['init']>>;
    /** Trigger scheduled tasks with `scheduler.triggerTask(id)`. */
    scheduler?: TestScheduler;
    /**
     * The permissions service instead of a mock (e.g. Backstage's real
     * permission client); `permission` is then unused.
     */
    permissionsService?: ServiceFactory;
    /** More plugins and modules (e.g. the permission backend). */
    features?: Parameters<typeof startTestBackend>[0]['features'];
  } = {},
) {
  const signals = options.signals ?? [];
  const audits = options.audits ?? [];
  const notifications = options.notifications ?? [];
  return startTestBackend({
    features: [
      istioRolloutsPlugin,
      ...(options.features ?? []),
      ...(options.database
        ? [mockServices.database.factory({ knex: options.database })]
        : []),
      ...(options.scheduler
        ? [options.scheduler.factory({ skipTaskRunOnStartup: true })]
        : []),
      createServiceFactory({
        service: notificationService,
        deps: {},
        factory: () => ({
          send: async (n: NotificationSendOptions) =>
            void notifications.push(n),
        }),
      }),
      mockServices.httpAuth.factory({
        defaultCredentials: mockCredentials.none(),
      }),
      catalogServiceMock.factory({ entities: options.entities ?? [] }),
      options.permissionsService ?? mockPermissions(options.permission),
      createServiceFactory({
        service: coreServices.auditor,
        deps: {},
        factory: () => ({
          async createEvent(event: any) {
            const entry: { event: any; outcome?: string; details?: any } = {
              event: { ...event, request: undefined },
            };
            audits.push(entry);
            return {
              success: async (details?: any) =>
                void Object.assign(entry, { outcome: 'success', details }),
              fail: async (details: any) =>
                void Object.assign(entry, { outcome: 'fail', details }),
            };
          },
        }),
      }),
      createServiceFactory({
        service: signalsServiceRef,
        deps: {},
        factory: () => ({
          publish: async (s: SignalPayload) => void signals.push(s),
        }),
      }),
      mockServices.rootConfig.factory({
        data: {
          kubernetes: {
            clusterLocatorMethods: [
              {
                type: 'config',
                clusters: options.clusters ?? [clusterConfig('plugin')],
              },
            ],
          },
          ...options.config,
        },
      }),
    ],
  });
}

// The permission decisions of a test: one for all, or one per permission
// name (and calling user).
function mockPermissions(
  permission: NonNullable<Parameters<typeof startPlugin>[0]>['permission'],
): ServiceFactory {
  return typeof permission === 'function'
    ? createServiceFactory({
        service: coreServices.permissions,
        deps: {},
        factory: () => {
          const decide = permission as (
            name: string,
            user?: string,
          ) => AuthorizeResult.ALLOW | AuthorizeResult.DENY;
          const answer = (requests: any[], opts: any) =>
            requests.map(r => ({
              result: decide(
                r.permission.name,
                opts?.credentials?.principal?.userEntityRef,
              ),
            }));
          return {
            authorize: async (requests: any[], opts: any) =>
              answer(requests, opts),
            authorizeConditional: async (requests: any[], opts: any) =>
              answer(requests, opts),
          } as any;
        },
      })
    : mockServices.permissions.factory({
        result: permission ?? AuthorizeResult.ALLOW,
      });
}

/**
 * A service with versions v1 and v2 (ready) and v3 (no ready pods, unless
 * `readyV3` says how many) in `ns`; the route sends no traffic to v3.
 */
export async function createWebService(
  ns: string,
  vsExtra: Record<string, any> = {},
  annotations: Record<string, string> = {},
  readyV3 = 0,
) {
  const deployment = (version: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `web-${version}`, namespace: ns, labels: { app: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web', version } },
      template: {
        metadata: { labels: { app: 'web', version } },
        spec: {
          containers: [{ name: 'web', image: `example/web:${version}` }],
        },
      },
    },
  });
  // The cluster binds the namespace's objects to the entity `web`
  // (istioRollouts.ownership), as a platform team would.
  await kubectl([
    'label',
    '--overwrite',
    'namespace',
    ns,
    'backstage.io/kubernetes-id=web',
  ]);
  await kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'web', namespace: ns },
          spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
        },
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'DestinationRule',
          metadata: { name: 'web', namespace: ns },
          spec: {
            host: 'web',
            subsets: ['v1', 'v2', 'v3'].map(v => ({
              name: v,
              labels: { version: v },
            })),
          },
        },
        deployment('v1'),
        deployment('v2'),
        deployment('v3'),
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          metadata: {
            name: 'web',
            namespace: ns,
            labels: { 'written-by': 'someone-else' },
            annotations,
          },
          spec: {
            hosts: ['web'],
            http: [
              {
                name: 'admin',
                match: [{ uri: { prefix: '/admin' } }],
                route: [{ destination: { host: 'web', subset: 'v1' } }],
              },
              {
                name: 'primary',
                route: [
                  { destination: { host: 'web', subset: 'v1' }, weight: 90 },
                  { destination: { host: 'web', subset: 'v2' }, weight: 10 },
                ],
                retries: { attempts: 3, perTryTimeout: '2s' },
                timeout: '10s',
              },
            ],
            ...vsExtra,
          },
        },
      ],
    }),
  });
  // No kubelets: write the status a deployment controller would.
  for (const [version, ready] of [
    ['v1', 2],
    ['v2', 2],
    ['v3', readyV3],
  ] as const) {
    await apiRequest(
      'PATCH',
      `/apis/apps/v1/namespaces/${ns}/deployments/web-${version}/status`,
      {
        contentType: 'application/merge-patch+json',
        body: {
          status: {
            replicas: 2,
            readyReplicas: ready,
            availableReplicas: ready,
            updatedReplicas: 2,
            observedGeneration: 1,
          },
        },
      },
    );
  }
}

/** What startWebPlugin started. */
export interface WebPlugin {
  ns: string;
  server: Awaited<ReturnType<typeof startPlugin>>['server'];
  act(
    operation: unknown,
    extra?: Record<string, unknown>,
    route?: number | string,
  ): request.Test;
  scale(body: object): request.Test;
}

/**
 * createWebService in a new namespace, the entity `web` naming its
 * VirtualService (canary steps 10,25,50,100), and the plugin started.
 * `act` posts a route action on a route of `web` (default `primary`) as the
 * mock user, `scale` a scale of one of its Deployments.
 */
export async function startWebPlugin(
  options: {
    /** Prefix of the test namespace's name. */
    prefix?: string;
    annotations?: Record<string, string>;
    vsExtra?: Record<string, any>;
    readyV3?: number;
    /** Objects applied (as admin) before the plugin starts and lists. */
    extra?: (ns: string) => Promise<void>;
    clusters?: any[];
    permission?: NonNullable<Parameters<typeof startPlugin>[0]>['permission'];
    audits?: any[];
    /** Merged into the root config's `istioRollouts`. */
    istioRollouts?: Record<string, unknown>;
  } = {},
): Promise<WebPlugin> {
  const ns = await createTestNamespace(options.prefix ?? 'web');
  await createWebService(
    ns,
    options.vsExtra,
    options.annotations,
    options.readyV3,
  );
  await options.extra?.(ns);
  const { server } = await startPlugin({
    entities: [
      serviceEntity('web', {
        'istio-rollouts/virtual-services': `${ns}/web`,
        'istio-rollouts/canary-steps': '10,25,50,100',
      }),
    ],
    clusters: options.clusters,
    permission: options.permission,
    audits: options.audits,
    config: {
      istioRollouts: { driftWatchSeconds: 2, ...options.istioRollouts },
    },
  });
  const act = (
    operation: unknown,
    extra: Record<string, unknown> = {},
    route: number | string = 'primary',
  ) =>
    request(server)
      .post('/api/istio-rollouts/entities/default/component/web/route-actions')
      .set('Authorization', mockCredentials.user.header())
      .send({
        target: {
          cluster: 'local',
          namespace: ns,
          virtualService: 'web',
          route,
        },
        operation,
        ...extra,
      });
  const scale = (body: object) =>
    request(server)
      .post('/api/istio-rollouts/entities/default/component/web/scale')
      .set('Authorization', mockCredentials.user.header())
      .send({ cluster: 'local', namespace: ns, ...body });
  return { ns, server, act, scale };
}

export async function readVs(ns: string, name = 'web') {
  return (
    await apiRequest(
      'GET',
      `/apis/networking.istio.io/v1/namespaces/${ns}/virtualservices/${name}`,
    )
  ).body;
}

export function weightsOf(vs: any, route = 1): number[] {
  return vs.spec.http[route].route.map((r: any) => r.weight);
}
