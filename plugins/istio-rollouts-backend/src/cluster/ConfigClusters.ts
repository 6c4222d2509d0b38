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

import { existsSync } from 'node:fs';
import { ClusterAuthProvider, ClusterDetails } from './ClusterDetails';
import { IN_POD_TOKEN_FILE } from './credentials';

export type { ClusterDetails } from './ClusterDetails';

const AUTH_PROVIDERS: ClusterAuthProvider[] = [
  'serviceAccount',
  'localKubectlProxy',
  'clientCertificate',
  'aws',
  'azure',
  'googleServiceAccount',
];

/** Where a pod's service account CA is mounted, next to its token. */
const IN_POD_CA_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt';

/** Backstage's `localKubectlProxy` locator: one cluster, `kubectl proxy`'s default address. */
export const LOCAL_KUBECTL_PROXY_CLUSTER: ClusterDetails = {
  name: 'local',
  url: 'http://localhost:8001',
  authProvider: 'localKubectlProxy',
  skipTLSVerify: false,
  source: 'localKubectlProxy',
};

/**
 * Reads clusters from `kubernetes.clusterLocatorMethods` — the block
 * Backstage's Kubernetes plugin reads, so adopters configure clusters
 * once — for the locators known at start-up: `config` and
 * `localKubectlProxy`. `catalog` clusters are found later
 * (CatalogClusterLocator); `gke` is the Kubernetes plugin's alone.
 *
 * Validates up front: a cluster without a name or URL, a duplicate name,
 * an auth provider the plugin cannot act with (the per-user ones: oidc,
 * google, aks) or one without what it needs stops startup with a message
 * naming the cluster. So does an `http://` URL that would carry a
 * credential in clear, unless its host is a loopback address and
 * `istioRollouts.allowInsecureLoopbackClusters` is true; `kubectl proxy`
 * (authProvider `localKubectlProxy`) carries none, so it only has to be
 * on this host.
 */
export function readClustersFromConfig(rootConfig: Config): ClusterDetails[] {
  const methods =
    rootConfig.getOptionalConfigArray('kubernetes.clusterLocatorMethods') ?? [];
  const allowInsecureLoopback =
    rootConfig.getOptionalBoolean(
      'istioRollouts.allowInsecureLoopbackClusters',
    ) ?? false;
  const clusters: ClusterDetails[] = [];
  const add = (cluster: ClusterDetails) => {
    if (clusters.some(existing => existing.name === cluster.name)) {
      throw new Error(
        `kubernetes cluster '${cluster.name}' is configured twice`,
      );
    }
    clusters.push(cluster);
  };
  for (const method of methods) {
    const type = method.getString('type');
    if (type === 'localKubectlProxy') {
      add({ ...LOCAL_KUBECTL_PROXY_CLUSTER });
      continue;
    }
    if (type !== 'config') continue;
    for (const c of method.getOptionalConfigArray('clusters') ?? []) {
      add(readConfigCluster(c, allowInsecureLoopback));
    }
  }
  return clusters;
}

function readConfigCluster(
  c: Config,
  allowInsecureLoopback: boolean,
): ClusterDetails {
  const name = c.getString('name');
  const url = c.getString('url');
  if (!/^https?:\/\//.test(url)) {
    throw new Error(
      `kubernetes cluster '${name}': url '${url}' must start with https:// or http://`,
    );
  }
  const authProvider = c.getOptionalString('authProvider') ?? 'serviceAccount';
  if (!AUTH_PROVIDERS.includes(authProvider as ClusterAuthProvider)) {
    // Per-user providers (oidc, google, aks) carry the viewer's token;
    // this plugin acts with its own identity.
    throw new Error(
      `kubernetes cluster '${name}': authProvider '${authProvider}' is not supported by istio-rollouts, which acts with its own identity; use one of ${AUTH_PROVIDERS.join(
        ', ',
      )}`,
    );
  }
  if (url.startsWith('http://')) {
    assertInsecureAllowed(
      name,
      url,
      allowInsecureLoopback || authProvider === 'localKubectlProxy',
    );
  }
  const cluster: ClusterDetails = {
    name,
    url: url.replace(/\/+$/, ''),
    authProvider: authProvider as ClusterAuthProvider,
    skipTLSVerify: c.getOptionalBoolean('skipTLSVerify') ?? false,
    source: 'config',
  };
  const optional = [
    'serviceAccountToken',
    'serviceAccountTokenFile',
    'caData',
    'caFile',
    'clientCertData',
    'clientKeyData',
    'clientCertFile',
    'clientKeyFile',
  ] as const;
  for (const key of optional) {
    const value = c.getOptionalString(key);
    if (value) cluster[key] = value;
  }
  const authMetadata = c.getOptional<Record<string, string>>('authMetadata');
  if (authMetadata) cluster.authMetadata = { ...authMetadata };
  // Backstage's own shorthand for the AWS keys.
  const assumeRole = c.getOptionalString('assumeRole');
  if (assumeRole) {
    cluster.authMetadata = {
      ...cluster.authMetadata,
      'kubernetes.io/aws-assume-role': assumeRole,
    };
  }
  const externalId = c.getOptionalString('externalId');
  if (externalId) {
    cluster.authMetadata = {
      ...cluster.authMetadata,
      'kubernetes.io/aws-external-id': externalId,
    };
  }
  if (authProvider === 'serviceAccount' && !cluster.serviceAccountToken) {
    // As Backstage's serviceAccount strategy: no token configured means the
    // backend runs in the cluster, with its pod's token (and CA).
    if (!cluster.serviceAccountTokenFile) {
      cluster.serviceAccountTokenFile = IN_POD_TOKEN_FILE;
      if (!cluster.caData && !cluster.caFile && existsSync(IN_POD_CA_FILE)) {
        cluster.caFile = IN_POD_CA_FILE;
      }
    }
  }
  if (authProvider === 'clientCertificate') {
    const cert = cluster.clientCertData ?? cluster.clientCertFile;
    const key = cluster.clientKeyData ?? cluster.clientKeyFile;
    if (!cert || !key) {
      throw new Error(
        `kubernetes cluster '${name}': authProvider 'clientCertificate' needs clientCertData and clientKeyData (base64 PEM, as in a kubeconfig) or clientCertFile and clientKeyFile`,
      );
    }
  }
  return cluster;
}

// An http:// cluster is refused unless it is on this host and the operator
// opted in: anywhere else the token could be read (or the API server
// impersonated) on the way.
export function assertInsecureAllowed(
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
