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

/**
 * How the plugin authenticates to a cluster, by the names Backstage's
 * Kubernetes plugin uses for `authProvider`, plus `clientCertificate` (the
 * Kubernetes plugin has no server-side client-certificate provider).
 *
 */
export type ClusterAuthProvider =
  | 'serviceAccount'
  | 'localKubectlProxy'
  | 'clientCertificate'
  | 'aws'
  | 'azure'
  | 'googleServiceAccount';

/**
 * A cluster the plugin reads from and writes to, wherever it was found.
 *
 */
export interface ClusterDetails {
  name: string;
  url: string;
  /** Absent: `serviceAccount`. */
  authProvider?: ClusterAuthProvider;
  serviceAccountToken?: string;
  /**
   * A file holding the token, read again as it rotates (a pod's projected
   * service account token); used when `serviceAccountToken` is not set.
   */
  serviceAccountTokenFile?: string;
  /** Base64-encoded PEM bundle of the API server's CA. */
  caData?: string;
  /** A file holding the API server's CA (PEM), e.g. a pod's `ca.crt`. */
  caFile?: string;
  /** `clientCertificate`: base64-encoded PEM, as in a kubeconfig's `client-certificate-data`. */
  clientCertData?: string;
  clientKeyData?: string;
  /** `clientCertificate`: PEM files instead of the data. */
  clientCertFile?: string;
  clientKeyFile?: string;
  /**
   * Provider settings, as the Kubernetes plugin names them (e.g.
   * `kubernetes.io/aws-assume-role`, `kubernetes.io/x-k8s-aws-id`).
   */
  authMetadata?: Record<string, string>;
  skipTLSVerify: boolean;
  /** Where the cluster was found. */
  source?: 'config' | 'catalog' | 'localKubectlProxy';
}
