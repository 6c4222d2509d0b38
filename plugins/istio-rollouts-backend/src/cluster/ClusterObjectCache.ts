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
import type {
  ClusterErrorView,
  ClusterObjects,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { ClusterDetails } from './ConfigClusters';
import { ChangeListener, KindInformer } from './KindInformer';
import { KubeApi, KubeApiError } from './KubeApi';
import { WATCHED_KINDS } from './watchedKinds';

/**
 * The watch-backed copy of one cluster's objects that the rollout view is
 * computed from. Page views read memory, never the API server.
 */
export class ClusterObjectCache {
  readonly name: string;
  readonly api: KubeApi;
  private readonly informers: KindInformer[];

  constructor(options: {
    cluster: ClusterDetails;
    logger: LoggerService;
    onChange: (cluster: string, namespace: string) => void;
  }) {
    this.name = options.cluster.name;
    this.api = new KubeApi({ cluster: options.cluster });
    const listener: ChangeListener = (_kind, namespace) =>
      options.onChange(this.name, namespace);
    this.informers = WATCHED_KINDS.map(
      kind => new KindInformer(kind, this.api, options.logger, listener),
    );
  }

  start() {
    for (const informer of this.informers) informer.start();
  }

  async stop() {
    await Promise.all(this.informers.map(i => i.stop()));
    this.api.close();
  }

  get isSynced(): boolean {
    return this.informers.every(i => i.isSynced);
  }

  /** Waits until every kind has been listed once, or the timeout passes. */
  async waitForSync(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.isSynced && Date.now() < deadline) {
      // A failing kind will not sync soon: answer with its error instead.
      if (this.informers.some(i => !i.isSynced && i.error)) return false;
      await new Promise(r => setTimeout(r, 25));
    }
    return this.isSynced;
  }

  /** Why this cluster cannot be shown, or undefined when it can. */
  error(): ClusterErrorView | undefined {
    if (this.isSynced) return undefined;
    const failing = this.informers.find(i => !i.isSynced && i.error);
    if (!failing) {
      return {
        type: 'not-synced',
        message: `cluster ${this.name} is still loading`,
      };
    }
    return classifyError(this.name, failing.kind.key, failing.error!);
  }

  /** Every cached object of one kind (slimmed, not copied). */
  all(kind: keyof ClusterObjects): IterableIterator<any> {
    return this.informers.find(i => i.kind.key === kind)!.values();
  }

  /**
   * The path of one object of a kind, in the API version this cluster
   * serves (older Istio serves VirtualServices as v1beta1 only).
   */
  objectPath(
    kind: keyof ClusterObjects,
    namespace: string,
    name: string,
  ): string {
    const informer = this.informers.find(i => i.kind.key === kind)!;
    const collection = informer.servedPath ?? informer.kind.paths[0];
    const slash = collection.lastIndexOf('/');
    return `${collection.slice(0, slash)}/namespaces/${encodeURIComponent(
      namespace,
    )}${collection.slice(slash)}/${encodeURIComponent(name)}`;
  }

  /** The cached object, if any. */
  find(
    kind: keyof ClusterObjects,
    namespace: string,
    name: string,
  ): any | undefined {
    return this.informers.find(i => i.kind.key === kind)!.get(namespace, name);
  }

  /** Whether any object of this kind lives in the namespace. */
  hasNamespace(kind: keyof ClusterObjects, namespace: string): boolean {
    return !this.informers
      .find(i => i.kind.key === kind)!
      .inNamespace(namespace)
      .next().done;
  }

  /**
   * The cached objects of the given namespaces only, as the pure view
   * functions take them: a page view touches one entity's namespaces, so its
   * cost does not grow with the size of the cluster.
   */
  objectsIn(namespaces: Iterable<string>): ClusterObjects {
    const bag: Record<string, any[]> = {};
    const wanted = Array.from(namespaces);
    for (const informer of this.informers) {
      bag[informer.kind.key] = wanted.flatMap(ns =>
        Array.from(informer.inNamespace(ns)),
      );
    }
    return bag as unknown as ClusterObjects;
  }

  /** Object counts per kind, for diagnostics and the benchmark. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.informers.map(i => [i.kind.key, i.size]));
  }
}

function classifyError(
  cluster: string,
  kind: string,
  error: Error,
): ClusterErrorView {
  const prefix = `cluster ${cluster}, ${kind}`;
  if (error instanceof KubeApiError) {
    if (error.statusCode === 401) {
      return {
        type: 'unauthorized',
        message: `${prefix}: the API server rejected the plugin's credentials (${error.message})`,
      };
    }
    if (error.statusCode === 403) {
      return {
        type: 'forbidden',
        message: `${prefix}: the plugin's identity may not list or watch it (${error.message})`,
      };
    }
    return { type: 'unknown', message: `${prefix}: ${error.message}` };
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (
    code &&
    [
      'ECONNREFUSED',
      'ENOTFOUND',
      'EHOSTUNREACH',
      'ETIMEDOUT',
      'ECONNRESET',
      'EAI_AGAIN',
    ].includes(code)
  ) {
    return {
      type: 'unreachable',
      message: `${prefix}: cannot reach the API server (${code})`,
    };
  }
  if (/timed out/.test(error.message)) {
    return { type: 'unreachable', message: `${prefix}: ${error.message}` };
  }
  return { type: 'unknown', message: `${prefix}: ${error.message}` };
}
