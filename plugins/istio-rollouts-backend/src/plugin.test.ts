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
  ISTIO_ROLLOUTS_SIGNAL_CHANNEL,
  RolloutChangeSignal,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { mockCredentials } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { SignalPayload } from '@backstage/plugin-signals-node';
import {
  clusterConfig,
  createTestNamespace,
  kubectl,
} from '@internal/test-cluster';
import request from 'supertest';
import { serviceEntity, startPlugin } from './__testUtils__/fixtures';

// These tests run the whole plugin against the real local kube-apiserver
// started by the Jest global setup (test/cluster), seeded with the demo.

jest.setTimeout(60_000);

function getView(server: any, name: string) {
  return request(server)
    .get(`/api/istio-rollouts/entities/default/component/${name}/view`)
    .set('Authorization', mockCredentials.user.header());
}

type ChangeSignal = SignalPayload & { message: RolloutChangeSignal };

function changeSignals(signals: SignalPayload[]): ChangeSignal[] {
  return signals.filter(
    s => s.channel === ISTIO_ROLLOUTS_SIGNAL_CHANNEL,
  ) as ChangeSignal[];
}

/** Every topic a view carries, on whatever cluster. */
function viewTopics(view: any): string[] {
  return view.clusters.flatMap((c: any) => c.signalTopics ?? []);
}

/** A broadcast whose message only holds opaque topics, naming nothing. */
// Only two hex digests: no cluster, namespace or object name can be read.
function expectOpaque(signal: SignalPayload) {
  expect(signal.recipients).toEqual({ type: 'broadcast' });
  expect(Object.keys(signal.message as object).sort()).toEqual([
    'clusterTopic',
    'topic',
  ]);
  for (const value of Object.values(signal.message as object)) {
    expect(value).toMatch(/^[0-9a-f]{32,}$/);
  }
}

/**
 * Waits until no change signal has arrived for longer than the plugin's
 * debounce: the signals of what happened so far are all in.
 */
async function untilQuiet(signals: SignalPayload[]) {
  for (;;) {
    const count = signals.length;
    await new Promise(r => setTimeout(r, 400));
    if (signals.length === count) return;
  }
}

/** A VirtualService `web` splitting 80/20 between v1 and v2, in `ns`. */
async function applyCanary(ns: string) {
  await kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'DestinationRule',
          metadata: { name: 'web', namespace: ns },
          spec: {
            host: 'web',
            subsets: [
              { name: 'v1', labels: { version: 'v1' } },
              { name: 'v2', labels: { version: 'v2' } },
            ],
          },
        },
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          metadata: { name: 'web', namespace: ns },
          spec: {
            hosts: ['web'],
            http: [
              {
                route: [
                  { destination: { host: 'web', subset: 'v1' }, weight: 80 },
                  { destination: { host: 'web', subset: 'v2' }, weight: 20 },
                ],
              },
            ],
          },
        },
      ],
    }),
  });
}

async function patchWeights(ns: string, [v1, v2]: [number, number]) {
  await kubectl([
    '-n',
    ns,
    'patch',
    'vs',
    'web',
    '--type=json',
    '-p',
    JSON.stringify([
      { op: 'replace', path: '/spec/http/0/route/0/weight', value: v1 },
      { op: 'replace', path: '/spec/http/0/route/1/weight', value: v2 },
    ]),
  ]);
}

describe('istioRolloutsPlugin', () => {
  it('answers /health without credentials, and nothing else', async () => {
    const { server } = await startPlugin();

    expect(
      (await request(server).get('/api/istio-rollouts/health')).body,
    ).toEqual({ status: 'ok' });
    expect(
      (
        await request(server).get(
          '/api/istio-rollouts/entities/default/component/x/view',
        )
      ).status,
    ).toBe(401);
  });

  it("shows a seeded canary's strategy, split and versions", async () => {
    const { server } = await startPlugin({
      entities: [
        serviceEntity('reviews', {
          'backstage.io/kubernetes-namespace': 'demo',
          'istio-rollouts/virtual-services': 'reviews',
        }),
      ],
    });

    const res = await getView(server, 'reviews');

    expect(res.status).toBe(200);
    expect(res.body.entityRef).toBe('component:default/reviews');
    expect(res.body.clusters).toHaveLength(1);
    const [cluster] = res.body.clusters;
    expect(cluster.cluster).toBe('local');
    expect(cluster.error).toBeUndefined();
    const [vs] = cluster.virtualServices;
    expect(vs).toMatchObject({ namespace: 'demo', name: 'reviews' });
    const route = vs.routes[vs.routes.length - 1];
    expect(route.strategy).toBe('canary');
    expect(route.destinations.map((d: any) => [d.subset, d.weight])).toEqual([
      ['v1', 90],
      ['v2', 10],
    ]);
    const v2 = vs.versions.find((v: any) => v.subset === 'v2');
    expect(v2.workloads.map((w: any) => w.name)).toEqual(['reviews-v2']);
    expect(v2.ready).toBeGreaterThan(0);
    expect(v2.workloads[0].images[0]).toMatch(/reviews/);
  });

  it('discovers VirtualServices from Services labelled with the kubernetes-id', async () => {
    const { server } = await startPlugin({
      entities: [
        serviceEntity('checkout', { 'backstage.io/kubernetes-id': 'checkout' }),
      ],
    });

    const res = await getView(server, 'checkout');

    expect(res.status).toBe(200);
    const names = res.body.clusters[0].virtualServices.map(
      (vs: any) => `${vs.namespace}/${vs.name}`,
    );
    expect(names).toEqual(['demo/checkout']);
    expect(
      res.body.clusters[0].virtualServices[0].routes.map(
        (r: any) => r.strategy,
      ),
    ).toContain('blue-green');
  });

  it("shows the demo's Gateway API HTTPRoute, its split and strategy, changeable where the cluster binds it", async () => {
    const { server } = await startPlugin({
      entities: [
        serviceEntity('inventory', {
          'backstage.io/kubernetes-id': 'inventory',
        }),
        // Claims the same HTTPRoute by name; the cluster binds it to inventory.
        serviceEntity('claimant', {
          'istio-rollouts/virtual-services': 'demo/inventory',
        }),
      ],
    });

    const res = await getView(server, 'inventory');

    expect(res.status).toBe(200);
    const [route] = res.body.clusters[0].virtualServices;
    expect(route).toMatchObject({
      kind: 'HTTPRoute',
      namespace: 'demo',
      name: 'inventory',
    });
    expect(route.readOnly).toBeUndefined();
    expect(route.routes[0].readOnly).toBeUndefined();
    expect(route.routes[0].strategy).toBe('canary');
    expect(
      route.routes[0].destinations.map((d: any) => [d.host, d.weight]),
    ).toEqual([
      ['inventory-v1', 90],
      ['inventory-v2', 10],
    ]);

    const claimed = await getView(server, 'claimant');
    const [theirs] = claimed.body.clusters[0].virtualServices;
    expect(theirs).toMatchObject({ kind: 'HTTPRoute', name: 'inventory' });
    expect(theirs.readOnly).toMatch(
      /does not bind HTTPRoute demo\/inventory to this entity/,
    );
  });

  it('follows a kubectl change through the watch, and signals it', async () => {
    const ns = await createTestNamespace('live');
    await applyCanary(ns);
    const signals: SignalPayload[] = [];
    const { server } = await startPlugin({
      entities: [
        serviceEntity('web', {
          'istio-rollouts/virtual-services': `${ns}/web`,
        }),
      ],
      signals,
    });
    const weights = async () => {
      const res = await getView(server, 'web');
      return res.body.clusters[0].virtualServices[0]?.routes[0]?.destinations.map(
        (d: any) => d.weight,
      );
    };
    expect(await weights()).toEqual([80, 20]);

    await patchWeights(ns, [30, 70]);

    const deadline = Date.now() + 5_000;
    let seen = await weights();
    while (
      JSON.stringify(seen) !== JSON.stringify([30, 70]) &&
      Date.now() < deadline
    ) {
      await new Promise(r => setTimeout(r, 50));
      seen = await weights();
    }
    expect(seen).toEqual([30, 70]);
    // The signal names nothing: it carries an opaque topic that the view has.
    const topics = viewTopics((await getView(server, 'web')).body);
    const signalled = Date.now() + 5_000;
    while (
      !changeSignals(signals).some(s => topics.includes(s.message.topic)) &&
      Date.now() < signalled
    ) {
      await new Promise(r => setTimeout(r, 50)); // signals are debounced
    }
    const changes = changeSignals(signals);
    expect(changes.some(s => topics.includes(s.message.topic))).toBe(true);
    for (const s of changes) expectOpaque(s);
  });

  it('signals a change under opaque topics that only the views it concerns carry', async () => {
    const a = await createTestNamespace('topic-a');
    const b = await createTestNamespace('topic-b');
    await applyCanary(a);
    await applyCanary(b);
    const signals: SignalPayload[] = [];
    const { server } = await startPlugin({
      entities: [
        serviceEntity('web-a', {
          'istio-rollouts/virtual-services': `${a}/web`,
        }),
        serviceEntity('web-b', {
          'istio-rollouts/virtual-services': `${b}/web`,
        }),
        // Nothing of it on the cluster yet: any change there may concern it.
        serviceEntity('ghost', {
          'istio-rollouts/virtual-services': `${b}/ghost`,
        }),
      ],
      signals,
    });
    const topicsOf = async (name: string) => {
      const res = await getView(server, name);
      expect(res.status).toBe(200);
      return viewTopics(res.body);
    };
    const topicsA = await topicsOf('web-a');
    const topicsB = await topicsOf('web-b');
    const topicsGhost = await topicsOf('ghost');
    for (const topic of [...topicsA, ...topicsB, ...topicsGhost]) {
      expect(topic).toMatch(/^[0-9a-f]{32,}$/);
    }

    // The first signal (after the initial sync) whose topic a view carries.
    const nextSignalFor = async (topics: string[]) => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const found = changeSignals(signals).find(s =>
          topics.includes(s.message.topic),
        );
        if (found || Date.now() > deadline) return found?.message;
        await new Promise(r => setTimeout(r, 50));
      }
    };
    // The initial sync's own signals are over before the change is made.
    await untilQuiet(signals);
    signals.length = 0;
    await patchWeights(a, [30, 70]);
    const inA = await nextSignalFor(topicsA);
    expect(inA).toBeDefined();
    signals.length = 0;
    await patchWeights(b, [30, 70]);
    const inB = await nextSignalFor(topicsB);
    expect(inB).toBeDefined();

    // A change in one namespace concerns the views of that namespace only.
    expect(inA!.topic).not.toBe(inB!.topic);
    expect(topicsB).not.toContain(inA!.topic);
    expect(topicsA).not.toContain(inB!.topic);
    expect(topicsA).not.toContain(inA!.clusterTopic);
    expect(topicsGhost).not.toContain(inA!.topic);
    // A view that found nothing on a cluster listens to every change there.
    expect(topicsGhost).toContain(inA!.clusterTopic);
    expect(inB!.clusterTopic).toBe(inA!.clusterTopic);
    // Topics are stable: the same view asked again carries the same ones.
    expect(await topicsOf('web-a')).toEqual(topicsA);

    for (const s of changeSignals(signals)) expectOpaque(s);
  });

  it('reports a failing cluster as data inside a 200, next to the working one', async () => {
    const { server } = await startPlugin({
      entities: [
        serviceEntity('reviews', {
          'istio-rollouts/virtual-services': 'demo/reviews',
        }),
      ],
      clusters: [
        clusterConfig('plugin', 'local'),
        {
          name: 'unreachable',
          url: 'https://127.0.0.1:1',
          serviceAccountToken: 'x',
          skipTLSVerify: true,
        },
        {
          ...clusterConfig('plugin', 'bad-token'),
          serviceAccountToken: 'not-a-token',
        },
      ],
    });

    const res = await getView(server, 'reviews');

    expect(res.status).toBe(200);
    const byName = Object.fromEntries(
      res.body.clusters.map((c: any) => [c.cluster, c]),
    );
    expect(byName.local.virtualServices).toHaveLength(1);
    expect(byName.unreachable.error).toMatchObject({ type: 'unreachable' });
    expect(byName.unreachable.error.message).toContain('ECONNREFUSED');
    expect(byName['bad-token'].error).toMatchObject({ type: 'unauthorized' });
  });

  it('answers 404 for an unknown entity, 400 for a malformed ref, 403 when denied', async () => {
    const { server } = await startPlugin({
      entities: [
        serviceEntity('reviews', {
          'istio-rollouts/virtual-services': 'demo/reviews',
        }),
      ],
    });
    const unknown = await getView(server, 'nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe(
      'Entity component:default/nope not found in the catalog',
    );

    const malformed = await request(server)
      .get('/api/istio-rollouts/entities/default/component/bad%2Fname/view')
      .set('Authorization', mockCredentials.user.header());
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toBe(
      "Malformed entity reference: name 'bad/name' is not a valid entity name",
    );

    // Paths and methods the plugin does not serve get a 404 that says so,
    // not the root's empty one.
    for (const [method, path] of [
      ['get', '/entities/default/component/a/b/view'],
      ['put', '/entities/default/component/reviews/route-actions'],
      ['post', '/audit'],
    ] as const) {
      const res = await request(server)
        [method](`/api/istio-rollouts${path}`)
        .set('Authorization', mockCredentials.user.header());
      expect(res.status).toBe(404);
      expect(res.body.error.message).toContain(
        `Istio Rollouts has no ${method.toUpperCase()} ${path}`,
      );
    }

    const denied = await startPlugin({
      entities: [
        serviceEntity('reviews', {
          'istio-rollouts/virtual-services': 'demo/reviews',
        }),
      ],
      permission: AuthorizeResult.DENY,
    });
    const forbidden = await getView(denied.server, 'reviews');
    expect(forbidden.status).toBe(403);
  });
});
