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

// The local cluster WITH a data plane (startCluster({ dataplane: true })):
// real istiod serving gRPC proxyless xDS, one pod-server per kwok pod on
// the pod's own IP, real Prometheus scraping them, and the traffic
// generator. Every route a call takes is what istiod computed from the
// VirtualService/DestinationRule/EndpointSlices in the apiserver; nothing
// here is told which version should answer.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { apiRequest, createTestNamespace, kubectl, until } from './index';

/* eslint-disable @typescript-eslint/no-require-imports */
const {
  startCluster,
  KWOK_UNREADY_LABEL,
  xdsTarget,
} = require('../cluster.js');
/* eslint-enable @typescript-eslint/no-require-imports */

jest.setTimeout(120_000);

const REVIEWS = 'xds:///reviews.demo.svc.cluster.local:9080';
const RATINGS = 'xds:///ratings.demo.svc.cluster.local:9080';

async function get(apiPath: string): Promise<any> {
  const res = await apiRequest('GET', apiPath);
  if (res.status !== 200) {
    throw new Error(`GET ${apiPath}: HTTP ${res.status}`);
  }
  return res.body;
}

async function getJson(url: string): Promise<any> {
  const res = await fetch(url);
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${text}`);
  return JSON.parse(text);
}

interface OneShot {
  total: number;
  ok: number;
  byVersion: Record<string, number>;
  errors: Record<string, number>;
  retries: number;
  byUser: Record<string, Record<string, number>>;
  firstAnswerMs: number;
}

interface Window {
  total: number;
  ok: number;
  byVersion: Record<string, number>;
  errors: Record<string, number>;
}

const share = (w: { byVersion: Record<string, number> }, version: string) => {
  const total = Object.values(w.byVersion).reduce((a, b) => a + b, 0);
  return total === 0 ? NaN : (w.byVersion[version] ?? 0) / total;
};

describe('the local cluster with a data plane', () => {
  let cluster: any;
  let stateDir: string;
  const sharedCluster = process.env.ISTIO_ROLLOUTS_TEST_CLUSTER;

  /** `traffic -target T -n N` (one-shot); resolves with its JSON report. */
  function oneShot(target: string, n: number, extra: string[] = []) {
    return new Promise<OneShot>((resolve, reject) => {
      execFile(
        cluster.dataplane.bin.traffic,
        [
          '-bootstrap',
          cluster.dataplane.bootstrapFile,
          '-target',
          target,
          '-n',
          String(n),
          ...extra,
        ],
        { timeout: 90_000 },
        (error, stdout, stderr) => {
          if (error) {
            reject(new Error(`traffic ${target}: ${error.message}\n${stderr}`));
          } else {
            resolve(JSON.parse(stdout));
          }
        },
      );
    });
  }

  async function promQuery(query: string): Promise<any[]> {
    const body = await getJson(
      `${
        cluster.dataplane.prometheusUrl
      }/api/v1/query?query=${encodeURIComponent(query)}`,
    );
    expect(body.status).toBe('success');
    return body.data.result;
  }

  async function podsOf(namespace: string, selector: string) {
    return (
      await get(
        `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(
          selector,
        )}`,
      )
    ).items;
  }

  beforeAll(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'istio-rollouts-dp-'));
    const t0 = Date.now();
    cluster = await startCluster({
      stateDir,
      dataplane: true,
      log: (msg: string) => process.stderr.write(`[dataplane] ${msg}\n`),
    });
    process.stderr.write(
      `[dataplane] started in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`,
    );
    process.env.ISTIO_ROLLOUTS_TEST_CLUSTER = path.join(
      stateDir,
      'cluster.json',
    );
    await cluster.seed();
    // Every reviews and ratings pod has its pod-server before any call.
    for (const app of ['reviews', 'ratings']) {
      const pods = await until(`${app} pods running`, async () => {
        const items = await podsOf('demo', `app=${app}`);
        return (
          items.length >= 2 &&
          items.every((p: any) => p.status?.phase === 'Running') &&
          items
        );
      });
      for (const pod of pods) {
        await cluster.dataplane.waitForPod('demo', pod.metadata.name);
      }
    }
  }, 240_000);

  afterAll(async () => {
    process.env.ISTIO_ROLLOUTS_TEST_CLUSTER = sharedCluster;
    await cluster?.stop();
    if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
  }, 60_000);

  it('gives kwok pods IPs of its own /24 and serves each on its IP', async () => {
    const info = JSON.parse(
      fs.readFileSync(path.join(stateDir, 'cluster.json'), 'utf8'),
    );
    expect(info.controllers).toBe(true);
    expect(info.dataplane.podNetwork).toMatch(/^198\.1[89]\.\d+\.0\/24$/);
    const prefix = info.dataplane.podNetwork.replace(/0\/24$/, '');
    expect(info.dataplane.istiod.xdsAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(info.dataplane.prometheusUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const bootstrap = JSON.parse(
      fs.readFileSync(info.dataplane.bootstrapFile, 'utf8'),
    );
    expect(bootstrap.xds_servers[0].server_uri).toBe(
      info.dataplane.istiod.xdsAddress,
    );
    expect(bootstrap.node.metadata.GENERATOR).toBe('grpc');
    // Backstage is pointed at this Prometheus.
    const config = await new Promise<any>((resolve, reject) =>
      execFile(
        process.execPath,
        [
          path.join(__dirname, '..', 'backstage-config.js'),
          path.join(stateDir, 'cluster.json'),
        ],
        (error, stdout) =>
          error ? reject(error) : resolve(JSON.parse(stdout)),
      ),
    );
    expect(config.istioRollouts.metrics).toEqual({
      prometheusUrl: info.dataplane.prometheusUrl,
      // Prometheus scrapes every second here: a short window and step.
      window: '15s',
      analysis: { step: '5s' },
    });

    const pods = await podsOf('demo', 'app=reviews');
    expect(pods).toHaveLength(3);
    const served = cluster.dataplane.served();
    for (const pod of pods) {
      expect(pod.status.podIP.startsWith(prefix)).toBe(true);
      const s = served.find((x: any) => x.name === pod.metadata.name);
      expect(s).toMatchObject({
        namespace: 'demo',
        ip: pod.status.podIP,
        ports: [9080],
        app: 'reviews',
        version: pod.metadata.labels.version,
        workload: `reviews-${pod.metadata.labels.version}`,
      });
      expect(fs.readFileSync(`/proc/${s.pid}/cmdline`, 'utf8')).toContain(
        'pod-server',
      );
    }
    // The real EndpointSlice controller published exactly those IPs.
    const slices = (
      await get(
        '/apis/discovery.k8s.io/v1/namespaces/demo/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dreviews',
      )
    ).items;
    const addresses = slices
      .flatMap((s: any) => s.endpoints ?? [])
      .flatMap((e: any) => e.addresses)
      .sort();
    expect(addresses).toEqual(pods.map((p: any) => p.status.podIP).sort());
    // istiod's webhook and ControlZ servers are off the fixed ports and
    // every listener of istiod is on loopback.
    expect(fs.readFileSync(cluster.logs.istiod, 'utf8')).toContain(
      'HTTPS port is disabled',
    );
  });

  it('splits 2,000 calls to reviews as the VirtualService says (90/10)', async () => {
    const r = await oneShot(REVIEWS, 2000, ['-mix', 'anonymous:100']);
    process.stderr.write(`[dataplane] reviews 90/10: ${JSON.stringify(r)}\n`);
    expect(r.total).toBe(2000);
    expect(r.ok).toBe(2000);
    expect(Object.keys(r.byVersion).sort()).toEqual(['v1', 'v2']);
    expect(r.byVersion.v1 + r.byVersion.v2).toBe(2000);
    expect(Math.abs(share(r, 'v2') - 0.1)).toBeLessThanOrEqual(0.03);
  });

  it('sends every end-user jason call to ratings v2 and nobody else', async () => {
    const r = await oneShot(RATINGS, 1000, [
      '-mix',
      'jason:40,cookie:20,anonymous:20,bob:20',
    ]);
    process.stderr.write(`[dataplane] ratings by user: ${JSON.stringify(r)}\n`);
    expect(r.ok).toBe(1000);
    expect(Object.keys(r.byUser.jason)).toEqual(['v2']);
    expect(r.byUser.jason.v2).toBeGreaterThan(300);
    for (const user of ['cookie', 'anonymous', 'bob']) {
      expect(Object.keys(r.byUser[user])).toEqual(['v1']);
    }
    expect(r.byVersion.v2).toBe(r.byUser.jason.v2);
  });

  it('shows the calls in Prometheus as istio_requests_total per version', async () => {
    // What the reviews pods counted themselves, from each pod-server's
    // /stats/prometheus (Prometheus text format).
    const reviewsPods = cluster.dataplane
      .served()
      .filter((s: any) => s.namespace === 'demo' && s.app === 'reviews');
    expect(reviewsPods).toHaveLength(3);
    let counted = 0;
    for (const pod of reviewsPods) {
      const text = await (
        await fetch(`${pod.metricsUrl}/stats/prometheus`)
      ).text();
      for (const line of text.split('\n')) {
        if (
          line.startsWith('istio_requests_total{') &&
          line.includes('destination_service="reviews.demo.svc.cluster.local"')
        ) {
          counted += Number(line.slice(line.lastIndexOf(' ') + 1));
        }
      }
    }
    // The 2,000 calls of the split test, plus the call(s) with which the
    // one-shot waits for its first answer (not in its report).
    expect(counted).toBeGreaterThanOrEqual(2001);
    expect(counted).toBeLessThanOrEqual(2005);

    // Prometheus has exactly those once it scraped after the last call.
    const result = await until(
      "the pods' counts in Prometheus",
      async () => {
        const rows = await promQuery(
          'sum by (destination_version, destination_workload, destination_app, response_code) ' +
            '(istio_requests_total{reporter="destination",destination_service="reviews.demo.svc.cluster.local"})',
        );
        const sum = rows.reduce(
          (a: number, row: any) => a + Number(row.value[1]),
          0,
        );
        return sum === counted && rows;
      },
      20_000,
    );
    expect(result).toHaveLength(2);
    const byVersion = Object.fromEntries(
      result.map((row: any) => [row.metric.destination_version, row]),
    );
    for (const v of ['v1', 'v2']) {
      expect(byVersion[v].metric).toEqual({
        destination_version: v,
        destination_workload: `reviews-${v}`,
        destination_app: 'reviews',
        response_code: '200',
      });
    }
    const v1 = Number(byVersion.v1.value[1]);
    const v2 = Number(byVersion.v2.value[1]);
    expect(Math.abs(v2 / (v1 + v2) - 0.1)).toBeLessThanOrEqual(0.03);
    // The series carry the scrape target's labels from the pod agent.
    const perPod = await promQuery(
      'count by (namespace, pod) (istio_requests_total{destination_app="reviews"})',
    );
    expect(perPod.map((row: any) => row.metric.pod).sort()).toEqual(
      reviewsPods.map((s: any) => s.name).sort(),
    );
    // istiod is scraped too (job istiod), for its push metrics.
    const pushes = await promQuery('sum(pilot_xds_pushes{job="istiod"})');
    expect(Number(pushes[0].value[1])).toBeGreaterThan(0);
  });

  it('follows a VirtualService change to 75/25 within seconds, without restarting the client', async () => {
    const traffic = await cluster.dataplane.startTraffic({
      targets: [REVIEWS],
      rate: 150,
      mix: 'anonymous:100',
    });
    try {
      const windowOf = (from: number, to: number): Promise<Window> =>
        getJson(
          `${traffic.url}/window?target=${encodeURIComponent(
            REVIEWS,
          )}&from=${from}&to=${to}`,
        );
      const tStart = Date.now();
      await until('traffic flowing', async () => {
        const w = await windowOf(tStart, Date.now());
        return w.ok >= 200;
      });
      const tPatch = Date.now();
      const before = await windowOf(tPatch - 2000, tPatch);
      expect(share(before, 'v2')).toBeLessThan(0.17);

      await kubectl([
        '-n',
        'demo',
        'patch',
        'virtualservice',
        'reviews',
        '--type=json',
        '-p',
        JSON.stringify([
          { op: 'replace', path: '/spec/http/0/route/0/weight', value: 75 },
          { op: 'replace', path: '/spec/http/0/route/1/weight', value: 25 },
        ]),
      ]);
      // Measured 1-6 s after the patch: the client has had a second for
      // istiod's push (the feasibility run saw ~0.2-0.3 s).
      await new Promise(r => setTimeout(r, 6_500));
      const after = await windowOf(tPatch + 1000, tPatch + 6000);
      const timeline = await getJson(
        `${traffic.url}/timeline?target=${encodeURIComponent(
          REVIEWS,
        )}&from=${tPatch}&to=${tPatch + 3000}&bucket=250`,
      );
      process.stderr.write(
        `[dataplane] before ${JSON.stringify(before)} after ${JSON.stringify(
          after,
        )}\n`,
      );
      // For the record: v1/v2 per 250 ms bucket from the patch on.
      const buckets: any[] = timeline.buckets ?? timeline;
      process.stderr.write(
        `[dataplane] v1/v2 per 250 ms after the patch: ${buckets
          .map(x => `${x.byVersion.v1 ?? 0}/${x.byVersion.v2 ?? 0}`)
          .join(' ')}\n`,
      );
      expect(after.total).toBeGreaterThan(400);
      expect(after.ok).toBe(after.total);
      expect(Math.abs(share(after, 'v2') - 0.25)).toBeLessThanOrEqual(0.06);
    } finally {
      await traffic.stop();
    }
  });

  it('makes a faulty v2 pod visible in the traffic counts and in Prometheus (503)', async () => {
    const [v2pod] = await podsOf('demo', 'app=reviews,version=v2');
    const name = v2pod.metadata.name;
    await cluster.dataplane.setFault('demo', name, { errorRate: 1 });
    try {
      const r = await oneShot(REVIEWS, 600, ['-mix', 'anonymous:100']);
      process.stderr.write(
        `[dataplane] with v2 failing: ${JSON.stringify(r)}\n`,
      );
      // v2 (25 % now) answers nothing: some calls fail even after their
      // retries, the rest were answered by v1.
      expect(r.byVersion.v2 ?? 0).toBe(0);
      expect(r.errors.Unavailable).toBeGreaterThan(0);
      expect(r.ok + r.errors.Unavailable).toBe(600);
      expect(r.retries).toBeGreaterThan(r.errors.Unavailable);
      const rows = await until('503s of reviews v2 in Prometheus', async () => {
        const res = await promQuery(
          'sum by (destination_version, grpc_response_status) (istio_requests_total{' +
            'reporter="destination",destination_service="reviews.demo.svc.cluster.local",response_code="503"})',
        );
        return res.length > 0 && res;
      });
      expect(rows).toHaveLength(1);
      expect(rows[0].metric).toEqual({
        destination_version: 'v2',
        grpc_response_status: '14',
      });
      // Every failed attempt reached the pod: each retry follows one, and
      // so does each call that failed for good.
      const failedAttempts = r.retries + r.errors.Unavailable;
      await until('every failed attempt scraped', async () => {
        const [row] = await promQuery(
          'sum(istio_requests_total{reporter="destination",' +
            'destination_service="reviews.demo.svc.cluster.local",response_code="503"})',
        );
        return Number(row?.value[1]) >= failedAttempts;
      });
    } finally {
      await cluster.dataplane.setFault('demo', name, { errorRate: 0 });
    }
    const healed = await oneShot(REVIEWS, 200, ['-mix', 'anonymous:100']);
    expect(healed.ok).toBe(200);
    expect(healed.byVersion.v2).toBeGreaterThan(0);
  });

  it('sends no calls to an un-ready pod, though its server runs', async () => {
    const ns = await createTestNamespace('dp-unready');
    const deployment = (name: string, labels: Record<string, string>) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web', version: name } },
        template: {
          metadata: { labels: { app: 'web', version: name, ...labels } },
          spec: {
            containers: [
              {
                name: 'web',
                image: 'example/web:1',
                ports: [{ containerPort: 7070 }],
              },
            ],
          },
        },
      },
    });
    const objects = [
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: ns },
        spec: {
          selector: { app: 'web' },
          ports: [{ name: 'grpc', port: 7070, targetPort: 7070 }],
        },
      },
      deployment('healthy', {}),
      deployment('sick', { [KWOK_UNREADY_LABEL]: 'false' }),
    ];
    await kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
    });
    const pods = await until('both pods running', async () => {
      const items = await podsOf(ns, 'app=web');
      return (
        items.length === 2 &&
        items.every((p: any) => p.status?.phase === 'Running') &&
        items
      );
    });
    const sick = pods.find((p: any) => p.metadata.labels.version === 'sick');
    const served = await cluster.dataplane.waitForPod(ns, sick.metadata.name);
    expect(served.ip).toBe(sick.status.podIP);
    for (const pod of pods) {
      await cluster.dataplane.waitForPod(ns, pod.metadata.name);
    }
    // The EndpointSlice lists the sick pod as not ready.
    await until('the sick endpoint published as not ready', async () => {
      const slices = (
        await get(
          `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dweb`,
        )
      ).items;
      const eps = slices.flatMap((s: any) => s.endpoints ?? []);
      return (
        eps.length === 2 &&
        eps.some(
          (e: any) =>
            e.addresses[0] === sick.status.podIP &&
            e.conditions.ready === false,
        )
      );
    });

    const r = await oneShot(xdsTarget('web', 7070, ns), 300, [
      '-mix',
      'anonymous:100',
    ]);
    expect(r.ok).toBe(300);
    expect(r.byVersion).toEqual({ healthy: 300 });
    // Its pod-server counted nothing, while the healthy one counted all.
    const metrics = await (
      await fetch(`${served.metricsUrl}/stats/prometheus`)
    ).text();
    expect(metrics).not.toMatch(/^istio_requests_total\{/m);
  });

  it('stops every pod-server, istiod and Prometheus on stop()', async () => {
    const pids: number[] = [
      ...cluster.dataplane.served().map((s: any) => s.pid),
      cluster.pids.istiod,
      cluster.pids.prometheus,
    ];
    expect(pids.length).toBeGreaterThan(20);
    await cluster.stop();
    for (const pid of pids) {
      expect(fs.existsSync(`/proc/${pid}`)).toBe(false);
    }
  });
});
