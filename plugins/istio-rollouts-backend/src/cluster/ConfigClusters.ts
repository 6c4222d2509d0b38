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

import { Config } from '@backstage/config';

/**
 * A cluster the plugin reads from and writes to.
 *
 * @public
 */
export interface ClusterDetails {
  name: string;
  url: string;
  serviceAccountToken?: string;
  /** Base64-encoded PEM bundle of the API server's CA. */
  caData?: string;
  skipTLSVerify: boolean;
}

/**
 * Reads clusters from `kubernetes.clusterLocatorMethods` entries of
 * `type: config` — the block Backstage's Kubernetes plugin reads, so
 * adopters configure clusters once. Other locator types (gke, catalog, …)
 * belong to the Kubernetes plugin and are skipped here.
 *
 * Validates up front: a cluster without a name or URL, or a duplicate name,
 * stops startup with a message naming the cluster.
 */
export function readClustersFromConfig(rootConfig: Config): ClusterDetails[] {
  const methods =
    rootConfig.getOptionalConfigArray('kubernetes.clusterLocatorMethods') ?? [];
  const clusters: ClusterDetails[] = [];
  for (const method of methods) {
    if (method.getString('type') !== 'config') {
      continue;
    }
    for (const c of method.getOptionalConfigArray('clusters') ?? []) {
      const name = c.getString('name');
      const url = c.getString('url');
      if (!/^https?:\/\//.test(url)) {
        throw new Error(
          `kubernetes cluster '${name}': url '${url}' must start with https:// or http://`,
        );
      }
      if (clusters.some(existing => existing.name === name)) {
        throw new Error(`kubernetes cluster '${name}' is configured twice`);
      }
      const authProvider =
        c.getOptionalString('authProvider') ?? 'serviceAccount';
      if (authProvider !== 'serviceAccount') {
        // Per-user auth providers (oidc, google, …) carry the viewer's token;
        // this plugin acts with its own identity, so it needs a service account.
        throw new Error(
          `kubernetes cluster '${name}': authProvider '${authProvider}' is not supported by istio-rollouts; use serviceAccount`,
        );
      }
      clusters.push({
        name,
        url: url.replace(/\/+$/, ''),
        serviceAccountToken: c.getOptionalString('serviceAccountToken'),
        caData: c.getOptionalString('caData'),
        skipTLSVerify: c.getOptionalBoolean('skipTLSVerify') ?? false,
      });
    }
  }
  return clusters;
}
