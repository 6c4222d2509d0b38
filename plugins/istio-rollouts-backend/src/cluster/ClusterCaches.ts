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

import { LoggerService } from '@backstage/backend-plugin-api';
import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import {
  ClusterFreshnessOptions,
  ClusterObjectCache,
} from './ClusterObjectCache';
import { ClusterDetails } from './ClusterDetails';
import { CloudCredentialFactory, credentialSourceFor } from './credentials';
import { ObjectListener } from './KindInformer';

/**
 * `istioRollouts.staleAfter`, `.heartbeatInterval` and `.watchIdleTimeout`
 * (durations: `'30s'`, `'PT30S'` or `{ seconds: 30 }`); unset ones keep
 * their defaults.
 */
export function readClusterFreshnessOptions(
  config: Config,
): ClusterFreshnessOptions {
  const ms = (key: string) => {
    const full = `istioRollouts.${key}`;
    if (!config.has(full)) return undefined;
    const value = durationToMilliseconds(
      readDurationFromConfig(config, { key: full }),
    );
    if (!(value > 0)) {
      throw new Error(`${full} must be a positive duration`);
    }
    return value;
  };
  return {
    staleAfterMs: ms('staleAfter'),
    heartbeatIntervalMs: ms('heartbeatInterval'),
    watchIdleTimeoutMs: ms('watchIdleTimeout'),
  };
}

/** Called at most once per debounce window for each changed (cluster, namespace). */
export type NamespaceChangeListener = (
  cluster: string,
  namespace: string,
) => void;

/**
 * One watch-backed cache per configured cluster, started together, with
 * change notifications coalesced per namespace (a rollout touches several
 * objects at once; listeners want one event, not ten).
 */
export class ClusterCaches {
  private caches: ClusterObjectCache[] = [];
  // What each cache was made from, to tell a changed cluster from the same.
  private readonly made = new WeakMap<ClusterObjectCache, string>();
  private readonly listeners = new Set<NamespaceChangeListener>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private started = false;

  constructor(
    private readonly options: {
      clusters: ClusterDetails[];
      logger: LoggerService;
      debounceMs?: number;
      /** Staleness threshold, heartbeat and watch idle deadline. */
      freshness?: ClusterFreshnessOptions;
      /** Every VirtualService added or changed on any cluster, raw. */
      onVirtualService?: (
        cluster: string,
        event: Parameters<ObjectListener>[0],
      ) => void;
      /** Credentials of clusters on a cloud provider (aws, azure, googleServiceAccount). */
      cloudCredentials?: CloudCredentialFactory;
    },
  ) {
    this.setClusters(options.clusters);
  }

  /**
   * Makes the caches those of `clusters`: a new cluster gets a cache (started
   * if the others are), a cluster gone or changed (URL, credentials) has its
   * cache stopped — the catalog locator finds clusters while running.
   */
  setClusters(clusters: ClusterDetails[]): {
    added: string[];
    removed: string[];
  } {
    const wanted = new Map(clusters.map(c => [c.name, c]));
    const added: string[] = [];
    const removed: string[] = [];
    const kept: ClusterObjectCache[] = [];
    for (const cache of this.caches) {
      const cluster = wanted.get(cache.name);
      if (cluster && this.made.get(cache) === JSON.stringify(cluster)) {
        kept.push(cache);
        wanted.delete(cache.name);
      } else {
        removed.push(cache.name);
        void cache.stop();
      }
    }
    for (const cluster of wanted.values()) {
      const cache = this.create(cluster);
      kept.push(cache);
      added.push(cluster.name);
      if (this.started) cache.start();
    }
    // In the order given, so every list of clusters reads the same.
    const order = clusters.map(c => c.name);
    this.caches = kept.sort(
      (a, b) => order.indexOf(a.name) - order.indexOf(b.name),
    );
    return { added, removed: removed.filter(n => !added.includes(n)) };
  }

  private create(cluster: ClusterDetails): ClusterObjectCache {
    const { options } = this;
    const debounceMs = options.debounceMs ?? 200;
    const cache = new ClusterObjectCache({
      cluster,
      logger: options.logger.child({ cluster: cluster.name }),
      freshness: options.freshness,
      credentials: credentialSourceFor(cluster, options.cloudCredentials),
      onVirtualService: options.onVirtualService
        ? event => options.onVirtualService!(cluster.name, event)
        : undefined,
      onChange: (name, namespace) => {
        const key = `${name}\u0000${namespace}`;
        if (this.pending.has(key)) return;
        this.pending.set(
          key,
          setTimeout(() => {
            this.pending.delete(key);
            for (const listener of this.listeners) listener(name, namespace);
          }, debounceMs),
        );
      },
    });
    this.made.set(cache, JSON.stringify(cluster));
    return cache;
  }

  start() {
    this.started = true;
    for (const cache of this.caches) cache.start();
  }

  async stop() {
    this.started = false;
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    await Promise.all(this.caches.map(c => c.stop()));
  }

  list(): ClusterObjectCache[] {
    return this.caches;
  }

  get(name: string): ClusterObjectCache | undefined {
    return this.caches.find(c => c.name === name);
  }

  onChange(listener: NamespaceChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
