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

import { ChildProcess, spawn } from 'child_process';
import { promises as fs } from 'fs';
import http from 'http';
import { AddressInfo, createServer } from 'net';
import os from 'os';
import path from 'path';
import { waitFor } from './waitFor';

// Test helpers around Debian's real Prometheus (/usr/bin/prometheus) and
// the workload side it scrapes: an endpoint exposing Istio's standard
// metrics whose counters grow at rates the test sets, as a sidecar's
// /stats/prometheus would. Nothing here answers queries: Prometheus does.

export const PROMETHEUS_BINARY =
  process.env.ISTIO_ROLLOUTS_PROMETHEUS ?? '/usr/bin/prometheus';

/** Istio's default buckets of istio_request_duration_milliseconds. */
const ISTIO_BUCKETS_MS = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
  300000, 600000, 1800000, 3600000,
];

/** One workload of one Service, as the destination sidecar reports it. */
export interface WorkloadTraffic {
  namespace: string;
  workload: string;
  /** destination_service: the Service's FQDN. */
  service: string;
  requestsPerSecond: number;
  /** Fraction (0–1) of requests answered 503. */
  errorRatio: number;
  /** Every request takes this long (milliseconds). */
  latencyMs: number;
}

interface Counters {
  ok: number;
  failed: number;
  buckets: number[];
  sumMs: number;
}

/**
 * An HTTP endpoint on loopback exposing `istio_requests_total` and the
 * `istio_request_duration_milliseconds` histogram (reporter="destination")
 * for the workloads given; counters grow every 100 ms at their rates.
 */
export async function startWorkloadMetrics(traffic: WorkloadTraffic[]) {
  const counters = new Map<WorkloadTraffic, Counters>();
  let current = traffic;
  const reset = (list: WorkloadTraffic[]) => {
    current = list;
    for (const t of list) {
      if (!counters.has(t)) {
        counters.set(t, {
          ok: 0,
          failed: 0,
          buckets: ISTIO_BUCKETS_MS.map(() => 0),
          sumMs: 0,
        });
      }
    }
  };
  reset(traffic);
  const tick = setInterval(() => {
    for (const t of current) {
      const c = counters.get(t)!;
      const n = t.requestsPerSecond / 10;
      c.failed += n * t.errorRatio;
      c.ok += n * (1 - t.errorRatio);
      c.sumMs += n * t.latencyMs;
      ISTIO_BUCKETS_MS.forEach((le, i) => {
        if (t.latencyMs <= le) c.buckets[i] += n;
      });
    }
  }, 100);
  const render = () => {
    const lines = [
      '# TYPE istio_requests_total counter',
      '# TYPE istio_request_duration_milliseconds histogram',
    ];
    for (const t of current) {
      const c = counters.get(t)!;
      const labels = (extra: string) =>
        `{reporter="destination",destination_workload="${
          t.workload
        }",destination_workload_namespace="${
          t.namespace
        }",destination_service="${t.service}",destination_service_name="${
          t.service.split('.')[0]
        }",source_workload="unknown"${extra}}`;
      lines.push(
        `istio_requests_total${labels(',response_code="200"')} ${c.ok}`,
        `istio_requests_total${labels(',response_code="503"')} ${c.failed}`,
      );
      ISTIO_BUCKETS_MS.forEach((le, i) =>
        lines.push(
          `istio_request_duration_milliseconds_bucket${labels(`,le="${le}"`)} ${
            c.buckets[i]
          }`,
        ),
      );
      const total = c.ok + c.failed;
      lines.push(
        `istio_request_duration_milliseconds_bucket${labels(
          ',le="+Inf"',
        )} ${total}`,
        `istio_request_duration_milliseconds_sum${labels('')} ${c.sumMs}`,
        `istio_request_duration_milliseconds_count${labels('')} ${total}`,
      );
    }
    return `${lines.join('\n')}\n`;
  };
  const server = http.createServer((req, res) => {
    if (req.url !== '/stats/prometheus') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
    res.end(render());
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    target: `127.0.0.1:${port}`,
    /** Replaces the workloads exposed (counters of kept entries go on). */
    set: reset,
    async stop() {
      clearInterval(tick);
      await new Promise(resolve => server.close(resolve));
    },
  };
}

/** A free loopback port (closed again at once; Prometheus binds it next). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise(resolve => server.close(resolve));
  return port;
}

/** What startPrometheus started. */
export interface TestPrometheus {
  /** Base URL, e.g. http://127.0.0.1:41234. */
  url: string;
  /** Resolves once every target was scraped at least `count` times. */
  waitForScrapes(count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts Debian's Prometheus on a free loopback port, scraping `targets`
 * (host:port, path /stats/prometheus) every `scrapeInterval`. With
 * `basicAuth`, its API wants those credentials (`bcryptHash` of the
 * password, as Prometheus' web config takes it).
 */
export async function startPrometheus(
  options: {
    targets?: string[];
    scrapeInterval?: string;
    basicAuth?: { user: string; bcryptHash: string };
  } = {},
): Promise<TestPrometheus> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'istio-rollouts-prom-'));
  const targets = options.targets ?? [];
  const interval = options.scrapeInterval ?? '1s';
  await fs.writeFile(
    path.join(dir, 'prometheus.yml'),
    [
      'global:',
      `  scrape_interval: ${interval}`,
      `  evaluation_interval: ${interval}`,
      'scrape_configs:',
      '  - job_name: workloads',
      '    metrics_path: /stats/prometheus',
      '    static_configs:',
      `      - targets: ${JSON.stringify(targets)}`,
      '',
    ].join('\n'),
  );
  const args = [
    `--config.file=${path.join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    '--log.level=warn',
  ];
  if (options.basicAuth) {
    await fs.writeFile(
      path.join(dir, 'web.yml'),
      `basic_auth_users:\n  ${options.basicAuth.user}: ${options.basicAuth.bcryptHash}\n`,
    );
    args.push(`--web.config.file=${path.join(dir, 'web.yml')}`);
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    PROMETHEUS_BINARY,
    [...args, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', d => (output += d));
  child.stderr?.on('data', d => (output += d));
  const exited = new Promise<void>(resolve =>
    child.once('exit', () => resolve()),
  );
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await fs.rm(dir, { recursive: true, force: true });
  };
  try {
    // Behind basic auth /-/ready answers 401: either answer means it is up.
    await waitFor(
      `Prometheus ready on ${url}`,
      async () => {
        if (child.exitCode !== null) {
          throw new Error(`Prometheus exited: ${output}`);
        }
        try {
          const res = await fetch(`${url}/-/ready`);
          return res.status === 200 || res.status === 401;
        } catch {
          return false;
        }
      },
      30_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    stop,
    async waitForScrapes(count: number, timeoutMs = 60_000) {
      await waitFor(
        `${count} scrapes of ${targets.join(', ')}`,
        async () => {
          const res = await fetch(`${url}/api/v1/targets`);
          const body: any = await res.json();
          const active: any[] = body?.data?.activeTargets ?? [];
          if (active.length < targets.length) return false;
          if (active.some(t => t.health !== 'up')) return false;
          // Series of the scrape: up{job="workloads"} has one sample each.
          const q = await fetch(
            `${url}/api/v1/query?query=${encodeURIComponent(
              'min(count_over_time(up{job="workloads"}[10m]))',
            )}`,
          );
          const v: any = await q.json();
          return Number(v?.data?.result?.[0]?.value?.[1] ?? 0) >= count;
        },
        timeoutMs,
        250,
      );
    },
  };
}
