#!/usr/bin/env node
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

// Prints the Backstage config that points the Istio Rollouts plugin (and the
// Kubernetes plugin, which reads the same keys) at a local cluster started by
// cluster.js, authenticating as the plugin's least-privilege identity (and,
// for a cluster with controllers, the Flagger webhook secret; with a data
// plane, its Prometheus).
//
//   node test/cluster/backstage-config.js STATE_DIR/cluster.json [cluster-name]
//
// ISTIO_ROLLOUTS_CLUSTER_ACCESS picks how the plugin reaches the cluster
// (each a way Backstage's Kubernetes plugin locates and signs in):
//   token              a `config` cluster with the plugin's token (default)
//   client-certificate a `config` cluster with the plugin's client certificate
//   kubectl-proxy      the `localKubectlProxy` locator: a kubectl proxy on
//                      localhost:8001 (start the cluster with --kubectl-proxy)
//   catalog            the `catalog` locator: a Resource entity describing the
//                      cluster (written next to cluster.json), signed in with
//                      a pod-style token file
//
// ISTIO_ROLLOUTS_DEMO_DATABASE_DIR=DIR keeps every plugin's SQLite database
// in a file, DIR/<pluginId>.sqlite (Backstage's naming for `directory`),
// instead of in memory, so that tests may read and write the plugin's
// tables (scripts/e2e sets it: a browser test backdates an audit record).

const fs = require('fs');
const path = require('path');

const [file, name = 'local'] = process.argv.slice(2);
if (!file) {
  console.error('usage: backstage-config.js CLUSTER_JSON [cluster-name]');
  process.exit(2);
}
const info = JSON.parse(fs.readFileSync(file, 'utf8'));
const access = process.env.ISTIO_ROLLOUTS_CLUSTER_ACCESS || 'token';
const stateDir = path.dirname(path.resolve(file));

function fail(message) {
  console.error(`backstage-config.js: ${message}`);
  process.exit(2);
}

// JSON is valid YAML, and quoting every value keeps tokens and URLs intact.
const config = { kubernetes: {} };
const configCluster = extra => ({
  kubernetes: {
    clusterLocatorMethods: [
      {
        type: 'config',
        clusters: [
          { name, url: info.apiserverUrl, caData: info.caData, ...extra },
        ],
      },
    ],
  },
});
if (access === 'token') {
  Object.assign(
    config,
    configCluster({
      authProvider: 'serviceAccount',
      serviceAccountToken: info.tokens.plugin,
    }),
  );
} else if (access === 'client-certificate') {
  const cert = info.clientCerts?.plugin;
  if (!cert) fail('this cluster has no client certificates (an older start?)');
  Object.assign(
    config,
    configCluster({
      authProvider: 'clientCertificate',
      clientCertData: cert.certData,
      clientKeyData: cert.keyData,
    }),
  );
} else if (access === 'kubectl-proxy') {
  if (!info.kubectlProxyUrl) {
    fail('the cluster runs no kubectl proxy: start it with --kubectl-proxy');
  }
  // Backstage's locator: one cluster `local` at http://localhost:8001.
  config.kubernetes.clusterLocatorMethods = [{ type: 'localKubectlProxy' }];
} else if (access === 'catalog') {
  // What a platform team registers: the cluster as a catalog Resource. The
  // plugin signs in with a token file, as in a pod.
  const tokenFile = path.join(stateDir, 'plugin-token');
  fs.writeFileSync(tokenFile, `${info.tokens.plugin}\n`, { mode: 0o600 });
  const entityFile = path.join(stateDir, 'catalog-cluster.yaml');
  const entity = {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name,
      description: 'The local cluster, located through the catalog',
      annotations: {
        'kubernetes.io/api-server': info.apiserverUrl,
        'kubernetes.io/api-server-certificate-authority': info.caData,
        'kubernetes.io/auth-provider': 'serviceAccount',
      },
    },
    spec: { type: 'kubernetes-cluster', owner: 'group:default/platform' },
  };
  fs.writeFileSync(entityFile, `${JSON.stringify(entity, null, 2)}\n`);
  config.kubernetes.clusterLocatorMethods = [{ type: 'catalog' }];
  // Backstage replaces lists when it merges config files: the app's own
  // locations, then this one.
  const appConfig = require('yaml').parse(
    fs.readFileSync(
      path.join(__dirname, '..', '..', 'app-config.yaml'),
      'utf8',
    ),
  );
  config.catalog = {
    locations: [
      ...(appConfig.catalog?.locations ?? []),
      { type: 'file', target: entityFile },
    ],
  };
  config.istioRollouts = {
    catalogClusterRefreshSeconds: 5,
    catalogClusters: {
      allowedUrls: [info.apiserverUrl],
      serviceAccountTokenFile: tokenFile,
    },
  };
} else {
  fail(
    `ISTIO_ROLLOUTS_CLUSTER_ACCESS=${access}: expected token, client-certificate, kubectl-proxy or catalog`,
  );
}
// A cluster started with --controllers: the secret behind the seeded Flagger
// Canaries' webhook tokens, so that the plugin's webhook endpoint accepts them.
if (info.flaggerWebhookSecret) {
  config.istioRollouts = {
    ...config.istioRollouts,
    flagger: { webhookSecret: info.flaggerWebhookSecret },
  };
}
// A cluster started with --dataplane: the Prometheus that scrapes the pods'
// Istio metrics (istio_requests_total, …), for the plugin's traffic views
// and canary analysis.
if (info.dataplane?.prometheusUrl) {
  config.istioRollouts = {
    ...config.istioRollouts,
    metrics: {
      prometheusUrl: info.dataplane.prometheusUrl,
      // The demo's Prometheus scrapes every second: a short window shows a
      // promote in the observed split within seconds (adopters keep the
      // default 1m, or their scrape interval's multiple).
      window: '15s',
      analysis: { step: '5s' },
    },
  };
}
if (process.env.ISTIO_ROLLOUTS_DEMO_DATABASE_DIR) {
  // Merged over app-config.yaml's `connection: ':memory:'`; the client
  // (better-sqlite3) stays.
  config.backend = {
    database: {
      connection: {
        directory: path.resolve(process.env.ISTIO_ROLLOUTS_DEMO_DATABASE_DIR),
      },
    },
  };
}
process.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
