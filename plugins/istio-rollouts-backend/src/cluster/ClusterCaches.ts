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
import { ClusterObjectCache } from './ClusterObjectCache';
import { ClusterDetails } from './ConfigClusters';

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
  }) {
    const debounceMs = options.debounceMs ?? 200;
    this.caches = options.clusters.map(
      cluster =>
        new ClusterObjectCache({
          cluster,
          logger: options.logger.child({ cluster: cluster.name }),
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
