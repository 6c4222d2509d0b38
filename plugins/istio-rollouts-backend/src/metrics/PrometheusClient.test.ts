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

import http from 'http';
import { AddressInfo } from 'net';
import {
  TestPrometheus,
  freePort,
  startPrometheus,
} from '../__testUtils__/prometheus';
import { PrometheusClient, PrometheusError } from './PrometheusClient';

// The client against Debian's real Prometheus, and against the ways a
// call fails that Prometheus itself does not produce (nothing listening,
// a server that never answers, a proxy's HTML error page).

jest.setTimeout(60_000);

// bcrypt (cost 4) of 'scrape-secret', made with Python's crypt module:
// crypt.crypt('scrape-secret', crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)).
const PASSWORD = 'scrape-secret';
const BCRYPT_OF_PASSWORD =
  '$2b$04$iVsHfNcPzQoN4OcJC3Ce1OPLf2gs5eQgPK.tMxP29GppYirKVWMxm';

async function failure(promise: Promise<unknown>): Promise<PrometheusError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(PrometheusError);
    return error as PrometheusError;
  }
  throw new Error('expected the call to fail');
}

// A local HTTP server that answers (or not) as a broken proxy might, and
// keeps what it was sent.
async function startEndpoint(
  answer: (res: http.ServerResponse) => void,
): Promise<{
  url: string;
  received: Array<{ method?: string; headers: any; body: string }>;
  stop(): Promise<void>;
}> {
  const received: Array<{ method?: string; headers: any; body: string }> = [];
  const sockets = new Set<import('net').Socket>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', d => (body += d));
    req.on('end', () => {
      received.push({ method: req.method, headers: req.headers, body });
      answer(res);
    });
  });
  server.on('connection', s => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise(resolve => server.close(resolve));
    },
  };
}

describe('PrometheusClient against Prometheus', () => {
  let prometheus: TestPrometheus;
  let client: PrometheusClient;

  beforeAll(async () => {
    prometheus = await startPrometheus();
    client = new PrometheusClient({
      baseUrl: `${prometheus.url}/`,
      timeoutMs: 5_000,
    });
  });

  afterAll(async () => {
    await prometheus?.stop();
  });

  it('reads an instant vector as labelled samples', async () => {
    const samples = await client.query(
      'label_replace(vector(2.5), "version", "v2", "", "")',
    );
    expect(samples).toEqual([{ labels: { version: 'v2' }, value: 2.5 }]);
  });

  it('reads a scalar as one unlabelled sample, NaN included', async () => {
    expect(await client.query('scalar(vector(3))')).toEqual([
      { labels: {}, value: 3 },
    ]);
    const [nan] = await client.query('0 / 0');
    expect(nan.value).toBeNaN();
  });

  it('reads a range query as one array of values per series', async () => {
    const end = new Date();
    const series = await client.queryRange(
      'label_replace(vector(1), "a", "b", "", "") or label_replace(vector(2), "a", "c", "", "")',
      { start: new Date(end.getTime() - 10_000), end, stepSeconds: 2 },
    );
    expect(series).toHaveLength(2);
    const byLabel = Object.fromEntries(series.map(s => [s.labels.a, s.values]));
    // Samples at start, start+2s, …, end: six of them.
    expect(byLabel.b).toEqual([1, 1, 1, 1, 1, 1]);
    expect(byLabel.c).toEqual([2, 2, 2, 2, 2, 2]);
  });

  it('sends a long query in the body', async () => {
    // About 60 KB of PromQL, more than many proxies take in a URL; the
    // regex of a view's many Services is this kind of query.
    const services = Array.from(
      { length: 1_500 },
      (_, i) => `svc-${i}.team.svc.cluster.local`,
    );
    const query = `count(up{destination_service=~"${services.join(
      '|',
    )}"}) or label_replace(vector(1), "long", "yes", "", "")`;
    expect(query.length).toBeGreaterThan(40_000);
    expect(await client.query(query)).toEqual([
      { labels: { long: 'yes' }, value: 1 },
    ]);
  });

  it("turns Prometheus' error answer into an error naming it", async () => {
    const error = await failure(client.query('sum(rate(x[5m]'));
    expect(error.kind).toBe('query');
    expect(error.errorType).toBe('bad_data');
    expect(error.message).toContain(`Prometheus at ${prometheus.url}`);
    expect(error.message).toMatch(
      /refused the query \(bad_data\): .*parse error/,
    );
  });
});

describe('PrometheusClient with basic auth', () => {
  let prometheus: TestPrometheus;

  beforeAll(async () => {
    prometheus = await startPrometheus({
      basicAuth: { user: 'analysis', bcryptHash: BCRYPT_OF_PASSWORD },
    });
  });

  afterAll(async () => {
    await prometheus?.stop();
  });

  const withCredentials = (password: string) =>
    prometheus.url.replace('http://', `http://analysis:${password}@`);

  it('sends the credentials of the URL as a header', async () => {
    const client = new PrometheusClient({
      baseUrl: withCredentials(PASSWORD),
      timeoutMs: 5_000,
    });
    expect(client.displayUrl).toBe(prometheus.url);
    expect(await client.query('vector(7)')).toEqual([{ labels: {}, value: 7 }]);
  });

  it('says the answer was refused, without the password', async () => {
    const client = new PrometheusClient({
      baseUrl: withCredentials('wrong-password'),
      timeoutMs: 5_000,
    });
    const error = await failure(client.query('vector(7)'));
    expect(error.kind).toBe('http');
    expect(error.message).toContain('HTTP 401');
    expect(error.message).not.toContain('wrong-password');
    expect(error.message).toContain(prometheus.url);
  });
});

describe('PrometheusClient when the call fails', () => {
  it('says nothing listens, without the credentials', async () => {
    const port = await freePort();
    const client = new PrometheusClient({
      baseUrl: `http://user:top-secret@127.0.0.1:${port}`,
      timeoutMs: 5_000,
    });
    const error = await failure(client.query('vector(1)'));
    expect(error.kind).toBe('unreachable');
    expect(error.message).toBe(
      `Prometheus at http://127.0.0.1:${port} cannot be reached: ECONNREFUSED`,
    );
  });

  it('gives up after the timeout', async () => {
    const silent = await startEndpoint(() => {
      // Never answers.
    });
    try {
      const client = new PrometheusClient({
        baseUrl: silent.url,
        timeoutMs: 300,
      });
      const started = Date.now();
      const error = await failure(client.query('vector(1)'));
      expect(error.kind).toBe('timeout');
      expect(error.message).toBe(
        `Prometheus at ${silent.url} did not answer within 300 ms`,
      );
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await silent.stop();
    }
  });

  it("POSTs the form and reports a proxy's HTML error page", async () => {
    const proxy = await startEndpoint(res =>
      res
        .writeHead(502, 'Bad Gateway', { 'Content-Type': 'text/html' })
        .end('<html><body>502 Bad Gateway</body></html>'),
    );
    try {
      const client = new PrometheusClient({
        baseUrl: `http://ops:hunter2@${proxy.url.slice(
          'http://'.length,
        )}/prom/`,
        timeoutMs: 5_000,
      });
      const error = await failure(
        client.queryRange('rate(x[1m])', {
          start: new Date(1_700_000_000_000),
          end: new Date(1_700_000_060_000),
          stepSeconds: 10,
        }),
      );
      expect(error.kind).toBe('http');
      expect(error.message).toBe(
        `Prometheus at ${proxy.url}/prom answered HTTP 502 Bad Gateway without Prometheus' JSON (is the URL the base of Prometheus?)`,
      );
      const [sent] = proxy.received;
      expect(sent.method).toBe('POST');
      expect(sent.headers['content-type']).toBe(
        'application/x-www-form-urlencoded',
      );
      expect(sent.headers.authorization).toBe(
        `Basic ${Buffer.from('ops:hunter2').toString('base64')}`,
      );
      expect(Object.fromEntries(new URLSearchParams(sent.body))).toEqual({
        query: 'rate(x[1m])',
        start: '1700000000.000',
        end: '1700000060.000',
        step: '10',
        timeout: '5s',
      });
    } finally {
      await proxy.stop();
    }
  });
});
