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

import { mockServices } from '@backstage/backend-test-utils';
import {
  clusterConfig,
  createTestNamespace,
  kubectl,
} from '@internal/test-cluster';
import net from 'node:net';
import { KindInformer } from './KindInformer';
import { KubeApi } from './KubeApi';
import { WATCHED_KINDS } from './watchedKinds';

// The informer against the real local kube-apiserver: watch events, the
// 410 Gone re-list, and reconnecting after the connection drops.

jest.setTimeout(60_000);

const virtualServices = WATCHED_KINDS.find(k => k.key === 'virtualServices')!;

function vs(namespace: string, name: string, canary = 10) {
  return JSON.stringify({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace },
    spec: {
      hosts: [name],
      http: [
        {
          route: [
            { destination: { host: name, subset: 'v1' }, weight: 100 - canary },
            { destination: { host: name, subset: 'v2' }, weight: canary },
          ],
        },
      ],
    },
  });
}

async function eventually(
  what: string,
  check: () => boolean,
  timeoutMs = 10_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 20));
  }
}

function canaryWeight(informer: KindInformer, namespace: string, name: string) {
  const object = Array.from(informer.inNamespace(namespace)).find(
    o => o.metadata.name === name,
  );
  return object?.spec.http[0].route[1].weight;
}

// A TCP proxy to the API server whose connections the test can cut, like a
// network fault between Backstage and the cluster.
async function startProxy(target: URL) {
  const sockets = new Set<net.Socket>();
  let accepting = true;
  const server = net.createServer(client => {
    if (!accepting) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    cut() {
      accepting = false;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    restore() {
      accepting = true;
    },
    close: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}

describe('KindInformer', () => {
  const changes: string[] = [];
  const logger = mockServices.logger.mock();
  let informer: KindInformer | undefined;
  let api: KubeApi | undefined;

  afterEach(async () => {
    await informer?.stop();
    api?.close();
    changes.length = 0;
  });

  it('lists, then follows changes through the watch', async () => {
    const ns = await createTestNamespace('informer');
    await kubectl(['apply', '-f', '-'], { input: vs(ns, 'a') });
    api = new KubeApi({
      cluster: { ...clusterConfig('plugin'), skipTLSVerify: false },
    });
    informer = new KindInformer(
      virtualServices,
      api,
      logger,
      (_kind, namespace) => changes.push(namespace),
    );
    informer.start();
    await eventually('first list', () => informer!.isSynced);
    expect(canaryWeight(informer, ns, 'a')).toBe(10);

    await kubectl(['apply', '-f', '-'], { input: vs(ns, 'a', 30) });
    await kubectl(['apply', '-f', '-'], { input: vs(ns, 'b') });
    await eventually(
      'the patch',
      () => canaryWeight(informer!, ns, 'a') === 30,
    );
    await eventually(
      'the new object',
      () => canaryWeight(informer!, ns, 'b') === 10,
    );
    await kubectl(['-n', ns, 'delete', 'vs', 'a']);
    await eventually(
      'the deletion',
      () => canaryWeight(informer!, ns, 'a') === undefined,
    );
    expect(changes.filter(c => c === ns).length).toBeGreaterThanOrEqual(3);
  });

  it('treats an optional kind the plugin may not list as none, and a required one as an error', async () => {
    // The plugin's ClusterRole has no rule for Secrets: the API server
    // answers 403, as it does for HTTPRoutes where an adopter has not
    // granted them yet. That must not cost the cluster its whole view.
    const secrets = {
      ...virtualServices,
      key: 'httpRoutes' as const,
      paths: ['/api/v1/secrets'],
    };
    api = new KubeApi({
      cluster: { ...clusterConfig('plugin'), skipTLSVerify: false },
    });
    informer = new KindInformer(
      { ...secrets, optional: true },
      api,
      logger,
      () => {},
    );
    informer.start();
    await eventually('the optional kind settled', () => informer!.isSynced);
    expect(informer.error).toBeUndefined();
    expect(Array.from(informer.inNamespace('kube-system'))).toEqual([]);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/403.*shown as none/),
    );
    await informer.stop();

    informer = new KindInformer(
      { ...secrets, optional: false },
      api,
      logger,
      () => {},
    );
    informer.start();
    await eventually('the error', () => informer!.error !== undefined);
    expect(informer.isSynced).toBe(false);
  });

  it('re-lists when the API server answers 410 Gone, losing nothing', async () => {
    const ns = await createTestNamespace('gone');
    await kubectl(['apply', '-f', '-'], { input: vs(ns, 'a') });
    api = new KubeApi({
      cluster: { ...clusterConfig('plugin'), skipTLSVerify: false },
    });
    const lists = jest.spyOn(api, 'list');
    informer = new KindInformer(virtualServices, api, logger, () => {});
    informer.start();
    await eventually('first list', () => informer!.isSynced);
    expect(lists).toHaveBeenCalledTimes(1);

    // While we are away, things change; and our resourceVersion expires:
    // the real server answers the next watch from it with 410 Gone.
    await kubectl(['apply', '-f', '-'], { input: vs(ns, 'b') });
    await kubectl(['apply', '-f', '-'], { input: vs(ns, 'a', 50) });
    await eventually(
      'the watch to see it',
      () => canaryWeight(informer!, ns, 'a') === 50,
    );
    (informer as any).resourceVersion = '1';
    informer.reconnect();

    await eventually(
      'a re-list after 410 Gone',
      () => lists.mock.calls.length === 2,
      15_000,
    );
    expect(canaryWeight(informer, ns, 'a')).toBe(50);
    expect(canaryWeight(informer, ns, 'b')).toBe(10);
    // And the watch resumes from the re-list's version.
    await kubectl(['apply', '-f', '-'], { input: vs(ns, 'a', 70) });
    await eventually(
      'a change after the re-list',
      () => canaryWeight(informer!, ns, 'a') === 70,
    );
    expect(lists).toHaveBeenCalledTimes(2);
  });

  it('reconnects after the connection drops, and catches up on what changed meanwhile', async () => {
    const ns = await createTestNamespace('reconnect');
    await kubectl(['apply', '-f', '-'], { input: vs(ns, 'a') });
    const target = new URL(clusterConfig('plugin').url);
    const proxy = await startProxy(target);
    try {
      api = new KubeApi({
        cluster: {
          ...clusterConfig('plugin'),
          url: proxy.url,
          skipTLSVerify: false,
        },
      });
      informer = new KindInformer(virtualServices, api, logger, () => {});
      informer.start();
      await eventually('first list', () => informer!.isSynced);

      proxy.cut();
      await eventually(
        'the error to be noticed',
        () => informer!.error !== undefined,
      );
      await kubectl(['apply', '-f', '-'], { input: vs(ns, 'a', 40) });
      expect(canaryWeight(informer, ns, 'a')).toBe(10);

      proxy.restore();
      await eventually(
        'reconnection',
        () => canaryWeight(informer!, ns, 'a') === 40,
        20_000,
      );
    } finally {
      await informer?.stop();
      informer = undefined;
      await proxy.close();
    }
  });
});
