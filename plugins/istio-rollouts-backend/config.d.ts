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

import { HumanDuration } from '@backstage/types';

export interface Config {
  /** Configuration of the Istio Rollouts plugin. */
  istioRollouts?: {
    /**
     * Groups (entity refs, e.g. `group:default/platform`) whose members may
     * perform every Istio Rollouts action on every entity and read the audit.
     * Read by the policy module that ships with the demo backend.
     */
    platformGroups?: string[];
    /**
     * After a write to a VirtualService tracked by Argo CD or Flux, how many
     * seconds to watch it for a revert before answering (default 3).
     */
    driftWatchSeconds?: number;
    /**
     * The deadline of every call to a cluster's API server (connecting,
     * sending and the whole answer), e.g. `{ seconds: 10 }` (the default),
     * `'PT5S'`, or a number of seconds. A write that gets no answer in time
     * is answered 504 (sent, outcome unknown: the plugin checks and the
     * audit record says) or 503 (cluster unreachable, nothing sent).
     */
    clusterRequestTimeout?: HumanDuration | string | number;
    /**
     * When a cluster's copy counts as stale: not confirmed current (a list,
     * a watch event or BOOKMARK, or a heartbeat answered while every watch
     * is open) for this long. The tab then flags the cluster, and writes
     * read the object from the API server before planning. Default
     * `{ seconds: 30 }` (three missed heartbeats).
     */
    staleAfter?: HumanDuration | string;
    /**
     * How often each cluster's API server is asked `GET /version` (deadline:
     * the interval, at most 5 s). When it answers again after failing,
     * every watch is re-established. Default `{ seconds: 10 }`.
     */
    heartbeatInterval?: HumanDuration | string;
    /**
     * A watch stream on which no byte arrives for this long is presumed dead
     * (a hung API server or a dropped network path keeps TCP open) and is
     * resumed on a new connection. The API server is asked to end each
     * stream at 60–80% of it, since its BOOKMARKs come only about once a
     * minute. Default `{ seconds: 45 }`: a silent watch is noticed within a
     * minute.
     */
    watchIdleTimeout?: HumanDuration | string;
    /** Which cluster objects an entity may change (see docs/security-model.md). */
    ownership?: {
      /**
       * `cluster-label` (default): only objects that carry the binding label
       * with the entity's id, or whose namespace does. `catalog`: the
       * entity's annotations alone decide — an explicit, logged opt-in.
       */
      mode?: 'cluster-label' | 'catalog';
      /** The binding label; default `backstage.io/kubernetes-id`. */
      label?: string;
    };
    /** The "Releases in flight" page (`GET /releases`). */
    releasesInFlight?: {
      /**
       * A route in the same half-way state (canary split, targeted users,
       * mirror, blue-green pair running, controller mid-rollout) for longer
       * than this is flagged stale; default 7 days.
       */
      staleAfter?: HumanDuration | string;
      /** A notification to the owners of stale releases; off by default. */
      notifyOwners?: {
        enabled?: boolean;
        /** How often (one replica sends it); default one day. */
        frequency?: HumanDuration | string;
      };
    };
    /**
     * Allow `http://` cluster URLs whose host is a loopback address
     * (127.0.0.0/8, `::1`, `localhost`), e.g. a local `kubectl proxy`.
     * Default false: an `http://` cluster stops startup, since its service
     * account token would travel in clear. `http://` to any other host is
     * refused even when this is true.
     */
    allowInsecureLoopbackClusters?: boolean;
    /**
     * How often the clusters of a `type: catalog` locator (Resource entities
     * of type `kubernetes-cluster`) are looked up again; default 30. A
     * cluster added to or removed from the catalog is followed without a
     * restart.
     */
    catalogClusterRefreshSeconds?: number;
    catalogClusters?: {
      /**
       * The token file of `serviceAccount` clusters found in the catalog
       * (which holds no token); default the backend pod's own,
       * `/var/run/secrets/kubernetes.io/serviceaccount/token`.
       */
      serviceAccountTokenFile?: string;
      /**
       * The API server URLs a catalog cluster may name when it authenticates
       * with a credential (serviceAccount, aws, azure,
       * googleServiceAccount); others are skipped and logged. Anyone who
       * registers entities could otherwise send the backend's credential to
       * a server of their choosing. `localKubectlProxy` needs no entry.
       */
      allowedUrls?: string[];
      /** Honour `kubernetes.io/skip-tls-verify: 'true'` on catalog clusters; default false. */
      allowSkipTLSVerify?: boolean;
    };
    /**
     * Istio's standard metrics in Prometheus: the traffic each version
     * really received, and the canary analysis of split routes (see
     * docs/canary-analysis.md). Absent: views have neither, and nothing is
     * rolled back automatically.
     */
    metrics?: {
      /**
       * Base URL of Prometheus' HTTP API (`<url>/api/v1/query`), http:// or
       * https://, e.g. `http://prometheus.istio-system:9090`. Basic-auth
       * credentials may be written in it (`https://user:pass@host`); they
       * are sent as a header and never shown in errors.
       *
       * @visibility secret
       */
      prometheusUrl: string;
      /**
       * The PromQL range rates are taken over, for observed traffic and the
       * analysis, e.g. `1m` (the default) or `5m`.
       */
      window?: string;
      /** Deadline of one call to Prometheus; default `{ seconds: 5 }`. */
      requestTimeout?: HumanDuration | string;
      /** How long Prometheus' answers are reused; default `{ seconds: 5 }`. */
      cacheFor?: HumanDuration | string;
      /**
       * The clusters whose mesh this Prometheus sees (Istio's metrics carry
       * no cluster name). Default: every configured cluster — right for a
       * single cluster; with several, list the one it scrapes.
       */
      clusters?: string[];
      /**
       * The checks of every canary analysis: Flagger's two built-in ones
       * (`request-success-rate`, min 99; `request-duration`, p99 max 500
       * ms) changed (same name, other thresholds or query), removed
       * (`enabled: false`) or joined by new ones (a name and a query).
       * Queries are PromQL templates with `{{ namespace }}`, `{{ target }}`
       * (the canary's workloads, a regex), `{{ interval }}`, `{{ service }}`
       * and `{{ version }}`. Entities pick among these checks and set
       * their thresholds in the `istio-rollouts/analysis` annotation, but
       * cannot bring queries: queries run with the plugin's access to
       * Prometheus.
       */
      checks?: Array<{
        name: string;
        query?: string;
        min?: number;
        max?: number;
        enabled?: boolean;
      }>;
      /** The canary analysis. */
      analysis?: {
        /**
         * How often one replica looks for failing canaries of entities
         * that opt in to automatic rollback; default `{ seconds: 30 }`.
         */
        interval?: HumanDuration | string;
        /**
         * The PromQL step of the samples the statistical comparison uses,
         * e.g. `10s` (the default): each sample is the rate over its own
         * step, so it must be at least twice Prometheus' scrape interval,
         * and at most a third of `window`.
         */
        step?: string;
      };
    };
    /** Flagger's webhook gates, answered by the plugin. */
    flagger?: {
      /**
       * Signs the per-Canary token of each webhook URL
       * (`/api/istio-rollouts/flagger/<cluster>/<gate>?token=…`; Flagger
       * sends no credentials). Unset: the webhooks answer 503 and every
       * gate stays closed. Changing it invalidates every URL in Canaries.
       *
       * @visibility secret
       */
      webhookSecret?: string;
    };
    /** Promotion requests: who may move traffic directly, who must ask. */
    approvals?: {
      /**
       * Four-eyes rule: the requester cannot approve their own request.
       * Default true.
       */
      fourEyes?: boolean;
      /**
       * Whether owners (the apply permission) change traffic directly.
       * Default true: owners apply, others request. When false, owners
       * request too (rollbacks and dry runs stay direct).
       */
      ownersApplyDirectly?: boolean;
      /**
       * How long a request waits for a decision before it expires, e.g.
       * `{ hours: 24 }` (the default) or `'PT8H'`.
       */
      requestTtl?: HumanDuration | string;
      /**
       * How often one backend replica looks for expired requests.
       * Default `{ minutes: 1 }`.
       */
      expiryCheckInterval?: HumanDuration | string;
      /**
       * An approval still being applied after this long is taken to have
       * lost its backend replica (it stopped mid-way): the request is failed
       * and its write checked on the cluster (applied or not), e.g.
       * `{ minutes: 10 }` (the default) or `'PT10M'`. Keep it well above
       * the time an approval takes (two cluster calls of
       * `clusterRequestTimeout`, plus `driftWatchSeconds`).
       */
      abandonedAfter?: HumanDuration | string;
    };
  };

  /**
   * Clusters, in the format of Backstage's Kubernetes plugin
   * (`@backstage/plugin-kubernetes-backend`), which reads the same block:
   * the keys below mean the same there and carry the same secret marks.
   */
  kubernetes?: {
    clusterLocatorMethods?: Array<{
      /**
       * Istio Rollouts reads `config`, `catalog` (Resource entities of type
       * `kubernetes-cluster`, followed while running) and
       * `localKubectlProxy` (`http://localhost:8001`) entries; `gke` is the
       * Kubernetes plugin's only.
       */
      type: string;
      /** The clusters of a `type: config` entry. */
      clusters?: Array<{
        /** Cluster name, shown in the tab and used in annotations. */
        name: string;
        /**
         * API server URL. Must be `https://`; `http://` only to a loopback
         * host with `istioRollouts.allowInsecureLoopbackClusters: true`.
         */
        url: string;
        /**
         * How the plugin authenticates, with its own identity:
         * `serviceAccount` (the default; without `serviceAccountToken`, the
         * backend pod's token file), `localKubectlProxy`, `aws`, `azure`,
         * `googleServiceAccount` (the Kubernetes backend's strategies), or
         * `clientCertificate` (this plugin's own).
         */
        authProvider?: string;
        /**
         * A file holding the service account token, read again as it
         * rotates (Istio Rollouts only).
         */
        serviceAccountTokenFile?: string;
        /**
         * `clientCertificate`: the client certificate, base64 PEM as in a
         * kubeconfig's client-certificate-data (Istio Rollouts only).
         */
        clientCertData?: string;
        /**
         * `clientCertificate`: its key, base64 PEM (Istio Rollouts only).
         * @visibility secret
         */
        clientKeyData?: string;
        /** `clientCertificate`: the certificate as a PEM file instead. */
        clientCertFile?: string;
        /** `clientCertificate`: the key as a PEM file instead. */
        clientKeyFile?: string;
        /** `aws`: the IAM role to assume, as in the Kubernetes plugin. */
        assumeRole?: string;
        /** `aws`: the external ID of that role. */
        externalId?: string;
        /**
         * Bearer token of the plugin's service account on this cluster.
         * @visibility secret
         */
        serviceAccountToken?: string;
        /**
         * Auth provider metadata, for the Kubernetes plugin.
         * @visibility secret
         */
        authMetadata?: object;
        /**
         * Base64-encoded PEM bundle of the API server's CA.
         * @visibility secret
         */
        caData?: string;
        /**
         * Path to the API server's CA file, for the Kubernetes plugin.
         * @visibility secret
         */
        caFile?: string;
        /** Skip TLS verification of the API server (development only). */
        skipTLSVerify?: boolean;
      }>;
    }>;
  };
}
