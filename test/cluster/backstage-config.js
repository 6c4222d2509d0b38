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

const fs = require('fs');

const [file, name = 'local'] = process.argv.slice(2);
if (!file) {
  console.error('usage: backstage-config.js CLUSTER_JSON [cluster-name]');
  process.exit(2);
}
const info = JSON.parse(fs.readFileSync(file, 'utf8'));

// JSON is valid YAML, and quoting every value keeps tokens and URLs intact.
const config = {
  kubernetes: {
    clusterLocatorMethods: [
      {
        type: 'config',
        clusters: [
          {
            name,
            url: info.apiserverUrl,
            authProvider: 'serviceAccount',
            serviceAccountToken: info.tokens.plugin,
            caData: info.caData,
          },
        ],
      },
    ],
  },
};
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
process.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
