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

// Helpers for tests that run against the real local cluster started by the
// Jest global setup (../jest/globalSetup.js). Each test makes its own
// namespace, so tests never see each other's objects.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import nodePath from 'node:path';

/** The identities the cluster knows (see ../cluster.js IDENTITIES). */
export type Identity = 'admin' | 'plugin' | 'readonly';

/** The `dataplane` block of cluster.json (a cluster started with `dataplane: true`). */
export interface TestClusterDataplane {
  /** This cluster's /24 of 198.18.0.0/15; kwok's pods get their IPs from it. */
  podNetwork: string;
  istiod: {
    /** Plaintext xDS (gRPC), host:port. */
    xdsAddress: string;
    /** /ready, /debug/… */
    httpUrl: string;
    /** /metrics (pilot_xds_pushes, …) */
    monitoringUrl: string;
  };
  prometheusUrl: string;
  /** gRPC xDS bootstrap (GRPC_XDS_BOOTSTRAP) naming istiod. */
  bootstrapFile: string;
  bin: { podServer: string; traffic: string; istiod: string };
  /** The CLI's traffic generator (`start --traffic`), if any. */
  trafficUrl?: string;
}

/**
 * An identity's client certificate (kube-apiserver --client-ca-file): CN is
 * its username and O its groups, so the same RBAC bindings apply as to its token.
 */
export interface TestClientCert {
  /** PEM files in the state dir. */
  certFile: string;
  keyFile: string;
  /** Base64 of the PEM, like a kubeconfig's client-certificate-data / client-key-data. */
  certData: string;
  keyData: string;
}

/** What ../cluster.js writes to cluster.json. */
export interface TestCluster {
  apiserverUrl: string;
  tokens: Record<Identity, string>;
  kubeconfigs: Record<Identity, string>;
  /** Usernames: { admin: 'admin', plugin: 'istio-rollouts', readonly: 'istio-rollouts-readonly' }. */
  users: Record<Identity, string>;
  /** The API server's CA (verifies the server), base64 PEM. */
  caData: string;
  caFile: string;
  /** The CA the API server trusts for client certificates (PEM file). */
  clientCaFile: string;
  clientCerts: Record<Identity, TestClientCert>;
  kubectl: string;
  stateDir: string;
  /** A cluster started with `kubectlProxy` (CLI --kubectl-proxy): its `kubectl proxy`. */
  kubectlProxyUrl?: string;
  kubectlProxyIdentity?: Identity;
  dataplane?: TestClusterDataplane;
}

/** The cluster of this test run; throws with guidance outside the global setup. */
export function getTestCluster(): TestCluster {
  const file = process.env.ISTIO_ROLLOUTS_TEST_CLUSTER;
  if (!file || !fs.existsSync(file)) {
    throw new Error(
      'No test cluster: run this test through the Jest global setup (yarn test, ./scripts/test), which starts one and sets ISTIO_ROLLOUTS_TEST_CLUSTER',
    );
  }
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/**
 * The cluster as the plugin's config names it (kubernetes.clusterLocatorMethods),
 * authenticated as the given identity.
 */
export function clusterConfig(identity: Identity = 'plugin', name = 'local') {
  const c = getTestCluster();
  return {
    name,
    url: c.apiserverUrl,
    authProvider: 'serviceAccount' as const,
    serviceAccountToken: c.tokens[identity],
    caData: c.caData,
  };
}

/**
 * Like clusterConfig, but authenticated with the identity's client
 * certificate (authProvider `clientCertificate`, the plugin's own).
 */
export function clientCertClusterConfig(
  identity: Identity = 'plugin',
  name = 'local',
) {
  const c = getTestCluster();
  return {
    name,
    url: c.apiserverUrl,
    authProvider: 'clientCertificate' as const,
    clientCertData: c.clientCerts[identity].certData,
    clientKeyData: c.clientCerts[identity].keyData,
    caData: c.caData,
  };
}

/** A running `kubectl proxy` (startKubectlProxy). */
export interface KubectlProxy {
  /** e.g. http://127.0.0.1:8001 */
  url: string;
  port: number;
  pid: number;
  /** kubectl's output. */
  logFile: string;
  /** SIGTERM (SIGKILL after 5 s); resolves once the process has exited. */
  stop(): Promise<void>;
}

/**
 * Runs the cluster's own kubectl as `kubectl proxy --port=<port>
 * --address=127.0.0.1` with `identity`'s kubeconfig and resolves once it
 * answers GET /api with 200. Port 8001 (the default) is where Backstage's
 * `localKubectlProxy` locator looks; 0 picks a free port. Rejects with a clear
 * message when the port is taken. Call stop() when done (a watchdog kills the
 * proxy should the test process die first).
 */
export async function startKubectlProxy(
  options: { port?: number; identity?: Identity } = {},
): Promise<KubectlProxy> {
  const c = getTestCluster();
  const identity = options.identity ?? 'plugin';
  // Loaded here, not at the top: the many tests that import this module but
  // no proxy need not load the harness.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const harness = require('../cluster.js');
  return harness.startKubectlProxy({
    kubectl: c.kubectl,
    kubeconfig: c.kubeconfigs[identity],
    port: options.port ?? harness.KUBECTL_PROXY_PORT,
    address: '127.0.0.1',
    logFile: nodePath.join(
      c.stateDir,
      `kubectl-proxy-${identity}-${randomBytes(4).toString('hex')}.log`,
    ),
  });
}

/** A raw API request as `identity`; resolves with status and parsed body. */
export function apiRequest(
  method: string,
  path: string,
  options: { identity?: Identity; body?: unknown; contentType?: string } = {},
): Promise<{ status: number; body: any }> {
  const c = getTestCluster();
  const url = new URL(path, c.apiserverUrl);
  const payload =
    options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        ca: Buffer.from(c.caData, 'base64'),
        headers: {
          Authorization: `Bearer ${c.tokens[options.identity ?? 'admin']}`,
          Accept: 'application/json',
          ...(payload !== undefined
            ? { 'Content-Type': options.contentType ?? 'application/json' }
            : {}),
        },
      },
      res => {
        const chunks: Buffer[] = [];
        res.on('data', chunk => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: any = text;
          try {
            body = JSON.parse(text);
          } catch {
            // leave non-JSON bodies as text
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Runs the cluster's own kubectl as `identity`; rejects with stderr on failure. */
export function kubectl(
  args: string[],
  options: { identity?: Identity; input?: string } = {},
): Promise<string> {
  const c = getTestCluster();
  return new Promise((resolve, reject) => {
    const child = execFile(
      c.kubectl,
      ['--kubeconfig', c.kubeconfigs[options.identity ?? 'admin'], ...args],
      { timeout: 30_000 },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(
              `kubectl ${args.join(' ')} failed: ${stderr || error.message}`,
            ),
          );
        } else {
          resolve(stdout);
        }
      },
    );
    if (options.input !== undefined) {
      child.stdin?.end(options.input);
    }
  });
}

/**
 * Creates a fresh namespace for one test. There is no namespace controller
 * (no kube-controller-manager), so namespaces are not deleted: the whole
 * cluster is thrown away after the run.
 */
export async function createTestNamespace(prefix = 'test'): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`.slice(0, 63);
  const res = await apiRequest('POST', '/api/v1/namespaces', {
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
  });
  if (res.status !== 201) {
    throw new Error(
      `creating namespace ${name}: HTTP ${res.status} ${JSON.stringify(
        res.body,
      )}`,
    );
  }
  return name;
}

/**
 * Polls `probe` every `everyMs` until it returns something truthy (which it
 * resolves with) or `timeoutMs` passes; then fails naming `what` and the
 * last error or value seen. A probe that throws is retried.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 90_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    await new Promise(r => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
}

/** A measured figure for the README and closing notes: printed, not asserted. */
export function figure(text: string) {
  process.stdout.write(`[figure] ${text}\n`);
}
