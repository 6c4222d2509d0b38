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

import { promises as fs, readFileSync } from 'node:fs';
import { ClusterDetails } from './ClusterDetails';

// What a request to a cluster carries to say who the plugin is, whichever
// way the cluster was configured: Backstage's KubernetesCredential shapes,
// so that the Kubernetes plugin's own auth strategies plug in unchanged.

export type KubeCredential =
  | { type: 'bearer token'; token: string }
  | { type: 'x509 client certificate'; cert: string; key: string }
  | { type: 'anonymous' };

/**
 * Where a cluster's credential comes from. `get` may do I/O (a token file,
 * a cloud token exchange) and caches what it can; `invalidate` drops a
 * cached token the API server refused (401), so the next call gets a new one.
 *
 */
export interface CredentialSource {
  get(): Promise<KubeCredential>;
  invalidate?(): void;
}

/** Cloud providers resolved by a strategy of Backstage's Kubernetes plugin. */
export type CloudCredentialFactory = (
  cluster: ClusterDetails,
) => CredentialSource;

/** The file a pod's service account token is mounted at. */
export const IN_POD_TOKEN_FILE =
  '/var/run/secrets/kubernetes.io/serviceaccount/token';

// A projected service account token rotates (kubelet rewrites the file
// well before it expires); reading it again after this long is enough.
const TOKEN_FILE_TTL_MS = 60_000;

/**
 * The credential source of a cluster. Cloud providers need `cloud` (the
 * Kubernetes plugin's strategies, loaded only when a cluster uses them).
 */
export function credentialSourceFor(
  cluster: ClusterDetails,
  cloud?: CloudCredentialFactory,
): CredentialSource {
  const provider = cluster.authProvider ?? 'serviceAccount';
  switch (provider) {
    case 'serviceAccount': {
      if (cluster.serviceAccountToken) {
        const token = cluster.serviceAccountToken;
        return { get: async () => ({ type: 'bearer token', token }) };
      }
      if (cluster.serviceAccountTokenFile) {
        return tokenFileSource(cluster.serviceAccountTokenFile);
      }
      // No token at all: the API server decides (anonymous requests are
      // usually refused with 401, which names the cause).
      return { get: async () => ({ type: 'anonymous' }) };
    }
    case 'localKubectlProxy':
      // kubectl proxy adds its own credentials to every request.
      return { get: async () => ({ type: 'anonymous' }) };
    case 'clientCertificate': {
      const credential: KubeCredential = {
        type: 'x509 client certificate',
        cert: pem(cluster.clientCertData, cluster.clientCertFile),
        key: pem(cluster.clientKeyData, cluster.clientKeyFile),
      };
      return { get: async () => credential };
    }
    default:
      if (!cloud) {
        throw new Error(
          `kubernetes cluster '${cluster.name}': authProvider '${provider}' needs Backstage's Kubernetes backend (@backstage/plugin-kubernetes-backend) installed in the backend`,
        );
      }
      return cloud(cluster);
  }
}

function tokenFileSource(file: string): CredentialSource {
  let cached: { token: string; at: number } | undefined;
  return {
    async get() {
      if (!cached || Date.now() - cached.at > TOKEN_FILE_TTL_MS) {
        const token = (await fs.readFile(file, 'utf8')).trim();
        if (!token) throw new Error(`the token file ${file} is empty`);
        cached = { token, at: Date.now() };
      }
      return { type: 'bearer token', token: cached.token };
    },
    invalidate() {
      cached = undefined;
    },
  };
}

// PEM from base64 data (a kubeconfig's *-data fields) or a file.
function pem(data: string | undefined, file: string | undefined): string {
  if (data) return Buffer.from(data, 'base64').toString('utf8');
  if (file) return readFileSync(file, 'utf8');
  throw new Error('no data and no file');
}

/** The API server's CA bundle (PEM), from `caData` or `caFile`. */
export function caOf(cluster: ClusterDetails): string | undefined {
  if (cluster.caData) {
    return Buffer.from(cluster.caData, 'base64').toString('utf8');
  }
  return cluster.caFile ? readFileSync(cluster.caFile, 'utf8') : undefined;
}

/**
 * Caches a token of a cloud provider for `ttlMs` (the strategies of the
 * Kubernetes plugin exchange one on every call).
 */
export function cachedTokenSource(
  fetch: () => Promise<KubeCredential>,
  ttlMs: number,
): CredentialSource {
  let cached: { credential: Promise<KubeCredential>; at: number } | undefined;
  return {
    get() {
      if (!cached || Date.now() - cached.at > ttlMs) {
        const credential = fetch();
        cached = { credential, at: Date.now() };
        // A failed exchange is not kept: the next call tries again.
        credential.catch(() => {
          if (cached?.credential === credential) cached = undefined;
        });
      }
      return cached.credential;
    },
    invalidate() {
      cached = undefined;
    },
  };
}
