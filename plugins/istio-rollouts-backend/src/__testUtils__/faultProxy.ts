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

import net from 'node:net';

// A network fault injector for tests against the real API server: a TCP
// forwarder on loopback between the plugin and the kube-apiserver. It does
// not speak HTTP or TLS; bytes pass through untouched (the apiserver's
// certificate names 127.0.0.1, so TLS verification still holds). On
// command it "blackholes" connections: their sockets stay open, but bytes
// are dropped in both directions, as with a dead network path or a stopped
// (SIGSTOP) API server — nothing fails, nothing arrives.

export interface FaultProxy {
  /** `https://127.0.0.1:<port>`: use it as the cluster's url. */
  url: string;
  /** Connections opened so far (including blackholed ones). */
  readonly connections: number;
  /** Existing connections go silent; new ones still forward. */
  blackholeExisting(): void;
  /** Existing and new connections go silent (new ones are accepted). */
  blackholeAll(): void;
  /**
   * New connections forward again. Blackholed connections stay silent (the
   * bytes they lost would have broken their TLS streams anyway).
   */
  resume(): void;
  close(): Promise<void>;
}

export async function startFaultProxy(target: URL): Promise<FaultProxy> {
  const pairs = new Set<{ black: boolean; sockets: net.Socket[] }>();
  let blackholeNew = false;
  let connections = 0;
  const server = net.createServer(client => {
    connections += 1;
    const upstream = net.connect(Number(target.port), target.hostname);
    const pair = { black: blackholeNew, sockets: [client, upstream] };
    pairs.add(pair);
    client.on('data', chunk => {
      if (!pair.black) upstream.write(chunk);
    });
    upstream.on('data', chunk => {
      if (!pair.black) client.write(chunk);
    });
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    get connections() {
      return connections;
    },
    blackholeExisting() {
      for (const pair of pairs) pair.black = true;
    },
    blackholeAll() {
      blackholeNew = true;
      for (const pair of pairs) pair.black = true;
    },
    resume() {
      blackholeNew = false;
    },
    close() {
      for (const pair of pairs) pair.sockets.forEach(s => s.destroy());
      pairs.clear();
      return new Promise<void>(resolve => server.close(() => resolve()));
    },
  };
}
