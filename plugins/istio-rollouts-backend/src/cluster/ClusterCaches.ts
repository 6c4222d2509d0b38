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
import { ClusterDetails } from './ConfigClusters';
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
  private readonly caches: ClusterObjectCache[];
  private readonly listeners = new Set<NamespaceChangeListener>();
  private readonly pending = new Map<string, NodeJS.Timeout>();

  constructor(options: {
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
  }) {
    const debounceMs = options.debounceMs ?? 200;
    this.caches = options.clusters.map(
      cluster =>
        new ClusterObjectCache({
          cluster,
          logger: options.logger.child({ cluster: cluster.name }),
          freshness: options.freshness,
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
                for (const listener of this.listeners)
                  listener(name, namespace);
              }, debounceMs),
            );
          },
        }),
    );
  }

  start() {
    for (const cache of this.caches) cache.start();
  }

  async stop() {
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
