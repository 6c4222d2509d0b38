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

// Benchmark of "Releases in flight" (GET /releases) against two real local
// kube-apiservers. Prints, in one run: a page of the list served from the
// watch caches (platform user, and a user whose rows are filtered by the
// catalog and the permission), with a catalog of 5,000 and of 50,000
// entities; the same after a change in one namespace; and the naive
// approaches next to it: re-reading every route on each call, and opening
// every entity's view (what "open every tab" costs). Run with
// ./bench/run releases.
//
// Size (override with env): BENCH_ROUTES=5000 routes across BENCH_CLUSTERS=2
// clusters; per route one VirtualService, its Service and DestinationRule.
// Four routes in five are in flight (canary, targeted, mirror), one is at
// rest. The audit trail holds four records per route (SQLite in memory, as
// in the demo). The catalog and the permission service are in-memory
// stand-ins answering by id and by ref (an index look-up each, as the real
// catalog's database does): what is measured is the plugin's own cost and
// how it grows with the catalog.

import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { ClusterCaches } from '../plugins/istio-rollouts-backend/src/cluster/ClusterCaches';
import { KubeApi } from '../plugins/istio-rollouts-backend/src/cluster/KubeApi';
import { DatabaseAuditStore } from '../plugins/istio-rollouts-backend/src/database/DatabaseAuditStore';
import { DatabasePromotionRequestStore } from '../plugins/istio-rollouts-backend/src/database/DatabasePromotionRequestStore';
import { EntityAccess } from '../plugins/istio-rollouts-backend/src/service/EntityAccess';
import { ReleasesInFlightService } from '../plugins/istio-rollouts-backend/src/service/ReleasesInFlightService';
import { RolloutViewService } from '../plugins/istio-rollouts-backend/src/service/RolloutViewService';
import { SignalTopics } from '../plugins/istio-rollouts-backend/src/service/signalTopics';
import { describeRouteInFlight } from '@istio-rollouts/plugin-istio-rollouts-common';
import { clusterApi, log, percentile, quietLogger, summary } from './lib/stats';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startCluster } = require('../test/cluster/cluster.js');

const ROUTES = Number(process.env.BENCH_ROUTES ?? 5000);
const CLUSTERS = Number(process.env.BENCH_CLUSTERS ?? 2);
const NAMESPACES = 50;
const WARM_ITERATIONS = 300;
const CHANGE_ITERATIONS = 30;
const NAIVE_ITERATIONS = 3;
const PER_CLUSTER = Math.ceil(ROUTES / CLUSTERS);
const ID = 'backstage.io/kubernetes-id';

const ns = (i: number) => `rel-${i % NAMESPACES}`;
// Route i of cluster c belongs to entity service-c-i.
const entityName = (c: number, i: number) => `service-${c}-${i}`;

function objectsFor(c: number, i: number) {
  const name = entityName(c, i);
  const namespace = ns(i);
  const labels = { app: name, [ID]: name };
  const to = (subset: string, weight?: number) => ({
    destination: { host: name, subset },
    ...(weight === undefined ? {} : { weight }),
  });
  let http: unknown[];
  switch (i % 5) {
    case 0: // at rest
      http = [{ name: 'primary', route: [to('v1')] }];
      break;
    case 1: // targeted users, then everyone on v1
      http = [
        {
          name: 'testers',
          match: [{ headers: { 'end-user': { exact: 'jason' } } }],
          route: [to('v2')],
        },
        { name: 'primary', route: [to('v1')] },
      ];
      break;
    case 2: // mirror
      http = [
        {
          name: 'primary',
          route: [to('v1')],
          mirror: { host: name, subset: 'v2' },
          mirrorPercentage: { value: 20 },
        },
      ];
      break;
    default: // canary
      http = [{ name: 'primary', route: [to('v1', 90), to('v2', 10)] }];
  }
  return [
    {
      path: `/api/v1/namespaces/${namespace}/services`,
      body: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace, labels },
        spec: { selector: { app: name }, ports: [{ port: 80 }] },
      },
    },
    {
      path: `/apis/networking.istio.io/v1/namespaces/${namespace}/destinationrules`,
      body: {
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: { name, namespace },
        spec: {
          host: name,
          subsets: ['v1', 'v2'].map(v => ({
            name: v,
            labels: { version: v },
          })),
        },
      },
    },
    {
      path: `/apis/networking.istio.io/v1/namespaces/${namespace}/virtualservices`,
      body: {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name, namespace, labels },
        spec: { hosts: [name], http },
      },
    },
  ];
}

async function createAll(
  admin: KubeApi,
  items: Array<{ path: string; body: unknown }>,
) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      await (admin as any).requestJson('POST', item.path, undefined, item.body);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

// A catalog of `size` entities, the first ones those of the routes; asked
// by annotation (an array of ids) or by refs, it answers from maps.
function catalogOf(size: number) {
  const entities: any[] = [];
  for (let c = 0; c < CLUSTERS; c++) {
    for (let i = 0; i < PER_CLUSTER; i++) {
      entities.push(entity(entityName(c, i)));
    }
  }
  for (let n = entities.length; n < size; n++) {
    entities.push(entity(`unrelated-${n}`));
  }
  const byId = new Map(entities.map(e => [e.metadata.annotations[ID], e]));
  const byRef = new Map(
    entities.map(e => [`component:default/${e.metadata.name}`, e]),
  );
  const calls = { getEntities: 0, entitiesReturned: 0 };
  return {
    size: entities.length,
    calls,
    all: entities,
    getEntityByRef: async (ref: string) => byRef.get(ref),
    getEntities: async (req: any) => {
      calls.getEntities += 1;
      const ids: string[] | undefined =
        req?.filter?.[`metadata.annotations.${ID}`];
      if (ids === undefined) return { items: entities };
      const items = (Array.isArray(ids) ? ids : [ids]).flatMap(id =>
        byId.has(id) ? [byId.get(id)] : [],
      );
      calls.entitiesReturned += items.length;
      return { items };
    },
    getEntitiesByRefs: async (req: any) => ({
      items: req.entityRefs.map((r: string) => byRef.get(r) ?? null),
    }),
  };
}

function entity(name: string) {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: 'default',
      annotations: { [ID]: name },
    },
    spec: { owner: 'group:default/team-a' },
    relations: [{ type: 'ownedBy', targetRef: 'group:default/team-a' }],
  };
}

const platform = { principal: { userEntityRef: 'user:default/carol' } };
const developer = { principal: { userEntityRef: 'user:default/bob' } };
const permissions = {
  // carol holds the audit permission; bob may read every entity's rollouts.
  authorize: async (reqs: any[], { credentials }: any) =>
    reqs.map(r => ({
      result:
        r.resourceRef || credentials === platform
          ? AuthorizeResult.ALLOW
          : AuthorizeResult.DENY,
    })),
} as any;

async function timeCalls(n: number, fn: () => Promise<unknown>) {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return times;
}

async function main() {
  const clusters: any[] = [];
  try {
    for (let c = 0; c < CLUSTERS; c++)
      clusters.push(await startCluster({ log }));
    const t0 = Date.now();
    for (const [c, cluster] of clusters.entries()) {
      const admin = clusterApi(cluster);
      for (let n = 0; n < NAMESPACES; n++) {
        await (admin as any).requestJson(
          'POST',
          '/api/v1/namespaces',
          undefined,
          {
            apiVersion: 'v1',
            kind: 'Namespace',
            metadata: { name: ns(n) },
          },
        );
      }
      const items = [];
      for (let i = 0; i < PER_CLUSTER; i++) items.push(...objectsFor(c, i));
      await createAll(admin, items);
      admin.close();
    }
    log(`created the objects in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const caches = new ClusterCaches({
      clusters: clusters.map((cluster, c) => ({
        name: `cluster-${c}`,
        url: cluster.apiserverUrl,
        serviceAccountToken: cluster.tokens.plugin,
        caData: cluster.caData,
        skipTLSVerify: false,
      })),
      logger: quietLogger,
      debounceMs: 0,
    });
    caches.start();
    for (const cache of caches.list()) {
      if (!(await cache.waitForSync(180_000))) {
        throw new Error(`cache did not sync: ${JSON.stringify(cache.error())}`);
      }
    }

    // The audit trail of an installation that has run for a while: four
    // records per route, some recent, some weeks old.
    const db = knexFactory({
      client: 'better-sqlite3',
      connection: ':memory:',
      useNullAsDefault: true,
    });
    const auditStore = await DatabaseAuditStore.create({
      database: { getClient: async () => db } as any,
    });
    const requestStore = await DatabasePromotionRequestStore.create({
      database: { getClient: async () => db } as any,
    });
    const rows = [];
    for (let c = 0; c < CLUSTERS; c++) {
      for (let i = 0; i < PER_CLUSTER; i++) {
        for (let k = 0; k < 4; k++) {
          rows.push({
            created_at: new Date(
              Date.now() - ((i * 7 + k * 3) % 40) * 86_400_000,
            ),
            actor: 'user:default/alice',
            entity_ref: `component:default/${entityName(c, i)}`,
            action: 'promote-next',
            outcome: k === 3 ? 'observed' : 'applied',
            cluster: `cluster-${c}`,
            namespace: ns(i),
            virtual_service: entityName(c, i),
            route: 'primary',
          });
        }
      }
    }
    for (let i = 0; i < rows.length; i += 500) {
      await db('istio_rollouts_audit_records').insert(rows.slice(i, i + 500));
    }

    const service = (catalog: any) =>
      new ReleasesInFlightService({
        caches,
        catalog,
        auth: { getOwnServiceCredentials: async () => ({}) } as any,
        permissions,
        auditStore,
        requestStore,
        ownershipLabel: ID,
        staleAfterMs: 7 * 86_400_000,
      });

    const small = catalogOf(ROUTES);
    const large = catalogOf(10 * ROUTES);
    const gc = (global as any).gc as (() => void) | undefined;
    gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const releases = service(small);
    const tCold = performance.now();
    const first = await releases.list({}, platform as any);
    const coldMs = performance.now() - tCold;
    gc?.();
    const heapAfter = process.memoryUsage().heapUsed;
    const inFlight = first.total;
    const expected =
      CLUSTERS * PER_CLUSTER - Math.ceil(PER_CLUSTER / 5) * CLUSTERS;
    if (inFlight !== expected || first.items.length !== 50) {
      throw new Error(`expected ${expected} routes in flight, got ${inFlight}`);
    }
    const bound = first.items.every(
      r => r.entity?.owner === 'group:default/team-a',
    );
    if (!bound)
      throw new Error(
        `rows without their entity: ${JSON.stringify(first.items[0])}`,
      );

    const warmPlatform = await timeCalls(WARM_ITERATIONS, () =>
      releases.list({}, platform as any),
    );
    const warmDeveloper = await timeCalls(WARM_ITERATIONS, () =>
      releases.list({}, developer as any),
    );
    const lastPage = await timeCalls(WARM_ITERATIONS, () =>
      releases.list({ strategy: 'mirror', limit: 500 }, platform as any),
    );
    const releasesLarge = service(large);
    await releasesLarge.list({}, platform as any);
    const warmLarge = await timeCalls(WARM_ITERATIONS, () =>
      releasesLarge.list({}, platform as any),
    );
    const largeDeveloper = await timeCalls(WARM_ITERATIONS, () =>
      releasesLarge.list({}, developer as any),
    );

    // One VirtualService changes (as a controller's step would), then a
    // call: one namespace is read again.
    const admin = clusterApi(clusters[0]);
    const afterChange: number[] = [];
    const target = 3; // a canary
    for (let k = 0; k < CHANGE_ITERATIONS; k++) {
      const canary = k % 2 === 0 ? 40 : 10;
      await admin.jsonPatch(
        `/apis/networking.istio.io/v1/namespaces/${ns(
          target,
        )}/virtualservices/${entityName(0, target)}`,
        [
          {
            op: 'replace',
            path: '/spec/http/0/route/0/weight',
            value: 100 - canary,
          },
          { op: 'replace', path: '/spec/http/0/route/1/weight', value: canary },
        ],
        'bench',
      );
      for (;;) {
        const t = performance.now();
        const page = await releases.list(
          { cluster: 'cluster-0', namespace: ns(target), limit: 500 },
          platform as any,
        );
        const ms = performance.now() - t;
        const row = page.items.find(r => r.name === entityName(0, target));
        if (row?.split[1]?.weight === canary) {
          afterChange.push(ms);
          break;
        }
        await new Promise(r => setTimeout(r, 2));
      }
    }
    admin.close();

    // Naive 1: nothing kept between calls, every route re-read each time.
    const rescan = await timeCalls(NAIVE_ITERATIONS * 3, () =>
      service(small).list({}, platform as any),
    );
    // Naive 2: open every entity's view (what a person does tab by tab, or
    // a page built on the per-entity endpoint), keeping routes in flight.
    const access = new EntityAccess({
      catalog: small as any,
      permissions,
      auth: { getOwnServiceCredentials: async () => ({}) } as any,
      policy: { mode: 'cluster-label', label: ID },
    });
    const views = new RolloutViewService({
      caches,
      access,
      topics: new SignalTopics(randomBytes(32)),
    });
    const perEntity = async (catalog: { all: any[] }) => {
      let found = 0;
      for (const e of catalog.all) {
        const view = await views.getEntityView(e);
        for (const cluster of view.clusters) {
          for (const vs of cluster.virtualServices) {
            for (const route of vs.routes) {
              if (describeRouteInFlight(vs, route)) found += 1;
            }
          }
        }
      }
      if (found !== inFlight) {
        throw new Error(`per-entity views found ${found}, not ${inFlight}`);
      }
    };
    const naiveSmall = await timeCalls(NAIVE_ITERATIONS, () =>
      perEntity(small),
    );
    const naiveLarge = await timeCalls(1, () => perEntity(large));

    const p99 = (v: number[]) => percentile(v, 99);
    console.log('');
    console.log(
      `Releases in flight benchmark: ${
        CLUSTERS * PER_CLUSTER
      } routes on ${CLUSTERS} real kube-apiservers (${inFlight} in flight), ${
        rows.length
      } audit records (SQLite)`,
    );
    console.log(
      `  first call (reads every route):            ${coldMs.toFixed(
        0,
      )} ms; memory kept ${((heapAfter - heapBefore) / 1048576).toFixed(
        1,
      )} MiB${gc ? '' : ' (no --expose-gc)'}`,
    );
    console.log(
      `  page of 50, platform user, ${small.size} entities:  ${summary(
        warmPlatform,
      )}`,
    );
    console.log(
      `  page of 50, platform user, ${large.size} entities: ${summary(
        warmLarge,
      )}`,
    );
    console.log(
      `  page of 50, developer (visibility), ${small.size}:  ${summary(
        warmDeveloper,
      )}`,
    );
    console.log(
      `  page of 50, developer (visibility), ${large.size}: ${summary(
        largeDeveloper,
      )}`,
    );
    console.log(
      `  500 mirror routes, platform user:          ${summary(lastPage)}`,
    );
    console.log(
      `  first call after a change in a namespace:  ${summary(
        afterChange,
      )} (${CHANGE_ITERATIONS} changes)`,
    );
    console.log(
      `  naive: every route re-read on each call:   ${summary(rescan)} (${
        rescan.length
      } calls) — ${(p99(rescan) / p99(warmPlatform)).toFixed(0)}x our p99`,
    );
    console.log(
      `  naive: every entity's view, ${small.size} entities:  ${summary(
        naiveSmall,
      )} (${NAIVE_ITERATIONS} runs) — ${(
        percentile(naiveSmall, 50) / percentile(warmPlatform, 50)
      ).toFixed(0)}x our p50`,
    );
    console.log(
      `  naive: every entity's view, ${large.size} entities: ${summary(
        naiveLarge,
      )} (1 run)`,
    );
    await caches.stop();
    await db.destroy();
  } finally {
    for (const cluster of clusters) await cluster.stop();
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
