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

// What every benchmark here prints with: percentiles, a one-line summary,
// a quiet logger, and the cluster's admin client.

import { LoggerService } from '@backstage/backend-plugin-api';
import { KubeApi } from '../../plugins/istio-rollouts-backend/src/cluster/KubeApi';

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  ];
}

export function summary(values: number[]): string {
  return `p50 ${percentile(values, 50).toFixed(2)} ms, p95 ${percentile(
    values,
    95,
  ).toFixed(2)} ms, p99 ${percentile(values, 99).toFixed(2)} ms`;
}

export const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

/** Logs warnings and errors only: benchmarks print their own figures. */
export const quietLogger: LoggerService = {
  error: m => log(String(m)),
  warn: m => log(String(m)),
  info: () => {},
  debug: () => {},
  child: () => quietLogger,
};

/** A client of the benchmark's cluster as one of its identities. */
export function clusterApi(
  cluster: any,
  identity: 'admin' | 'plugin' = 'admin',
): KubeApi {
  return new KubeApi({
    cluster: {
      name: 'bench',
      url: cluster.apiserverUrl,
      serviceAccountToken: cluster.tokens[identity],
      caData: cluster.caData,
      skipTLSVerify: false,
    },
  });
}
