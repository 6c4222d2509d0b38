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
 * stops startup with a message naming the cluster. So does an `http://` URL,
 * over which the service account token would travel in clear, unless its
 * host is a loopback address (127.0.0.0/8, ::1, localhost) and
 * `istioRollouts.allowInsecureLoopbackClusters` is true (e.g. a local
 * `kubectl proxy`).
 */
export function readClustersFromConfig(rootConfig: Config): ClusterDetails[] {
  const methods =
    rootConfig.getOptionalConfigArray('kubernetes.clusterLocatorMethods') ?? [];
  const allowInsecureLoopback =
    rootConfig.getOptionalBoolean(
      'istioRollouts.allowInsecureLoopbackClusters',
    ) ?? false;
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
      if (url.startsWith('http://')) {
        assertInsecureAllowed(name, url, allowInsecureLoopback);
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

// An http:// cluster is refused unless it is on this host and the operator
// opted in: anywhere else the token could be read (or the API server
// impersonated) on the way.
function assertInsecureAllowed(
  name: string,
  url: string,
  allowInsecureLoopback: boolean,
) {
  const prefix = `kubernetes cluster '${name}': url '${url}' is plain http: its service account token would travel in clear`;
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    throw new Error(`kubernetes cluster '${name}': url '${url}' is not a URL`);
  }
  // The URL parser lower-cases host names and normalises IPv4 (127.1 is
  // 127.0.0.1) and IPv6 ([0:0::1] is [::1]) addresses.
  const loopback =
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
  if (!loopback) {
    throw new Error(
      `${prefix}, and its host is not a loopback address; use https:// (with caData for a private CA). istioRollouts.allowInsecureLoopbackClusters allows http:// only to 127.0.0.0/8, ::1 and localhost`,
    );
  }
  if (!allowInsecureLoopback) {
    throw new Error(
      `${prefix}; use https://, or, for an API server on this host only, set istioRollouts.allowInsecureLoopbackClusters: true`,
    );
  }
}
