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
import { ClusterDetails } from './ClusterDetails';
import { CredentialSource, credentialSourceFor } from './credentials';
import { ChangeListener, KindInformer, ObjectListener } from './KindInformer';
import { KubeApi, KubeApiError } from './KubeApi';
import { WATCHED_KINDS } from './watchedKinds';

/** How a cluster's copy keeps track of its own age (see freshness()). */
export interface ClusterFreshnessOptions {
  /**
   * The copy is stale when it has not been confirmed current for this long
   * (`istioRollouts.staleAfter`). Default 30 s: three missed heartbeats.
   */
  staleAfterMs?: number;
  /**
   * How often the API server is asked whether it answers, with a short
   * deadline (`istioRollouts.heartbeatInterval`). Default 10 s.
   */
  heartbeatIntervalMs?: number;
  /**
   * Client-side idle deadline of each watch stream
   * (`istioRollouts.watchIdleTimeout`). Default 45 s; see KindInformer.
   */
  watchIdleTimeoutMs?: number;
}

export const DEFAULT_STALE_AFTER_MS = 30_000;
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;
/** A heartbeat waits at most this long (and never longer than its interval). */
const MAX_HEARTBEAT_TIMEOUT_MS = 5_000;
// Every identity may GET it (system:public-info-viewer), and it touches
// neither etcd nor the plugin's RBAC.
const HEARTBEAT_PATH = '/version';

/** When a cluster's copy was last confirmed current; whether too long ago. */
export interface ClusterFreshness {
  /** Date.now() up to which the copy is known current; absent before sync. */
  syncedAt?: number;
  /** Set when syncedAt is older than the threshold. */
  stale?: { since: number; message: string };
}

/**
 * The watch-backed copy of one cluster's objects that the rollout view is
 * computed from. Page views read memory, never the API server.
 */
export class ClusterObjectCache {
  readonly name: string;
  readonly api: KubeApi;
  private readonly informers: KindInformer[];
  private readonly logger: LoggerService;
  private readonly onChange: (cluster: string, namespace: string) => void;
  // Heartbeats: own connections and a short deadline, so that they neither
  // queue behind nor wait on the informers' (possibly dead) connections.
  private readonly heartbeatApi: KubeApi;
  private readonly staleAfterMs: number;
  private readonly heartbeatIntervalMs: number;
  /** Date.now() of the last heartbeat the API server answered. */
  private heartbeatAt?: number;
  /** Why the last heartbeat got no answer; undefined when it got one. */
  private heartbeatError?: string;
  private heartbeatTimer?: NodeJS.Timeout;
  private heartbeating?: Promise<void>;
  private stopped = false;
  private wasStale = false;

  constructor(options: {
    cluster: ClusterDetails;
    logger: LoggerService;
    onChange: (cluster: string, namespace: string) => void;
    /** Every VirtualService added or changed, raw (see ObjectListener). */
    onVirtualService?: ObjectListener;
    freshness?: ClusterFreshnessOptions;
    /** The cluster's credential; default from its authProvider. */
    credentials?: CredentialSource;
  }) {
    this.name = options.cluster.name;
    // One source for both clients: a token fetched (or refused) once.
    const credentials =
      options.credentials ?? credentialSourceFor(options.cluster);
    this.api = new KubeApi({ cluster: options.cluster, credentials });
    this.logger = options.logger;
    this.onChange = options.onChange;
    const freshness = options.freshness ?? {};
    this.staleAfterMs = freshness.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    this.heartbeatIntervalMs =
      freshness.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.heartbeatApi = new KubeApi({
      cluster: options.cluster,
      credentials,
      timeoutMs: Math.min(MAX_HEARTBEAT_TIMEOUT_MS, this.heartbeatIntervalMs),
    });
    const listener: ChangeListener = (_kind, namespace) =>
      options.onChange(this.name, namespace);
    this.informers = WATCHED_KINDS.map(
      kind =>
        new KindInformer(
          kind,
          this.api,
          options.logger,
          listener,
          kind.key === 'virtualServices' ? options.onVirtualService : undefined,
          { watchIdleTimeoutMs: freshness.watchIdleTimeoutMs },
        ),
    );
  }

  start() {
    for (const informer of this.informers) informer.start();
    this.heartbeating ??= this.heartbeat();
  }

  async stop() {
    this.stopped = true;
    clearTimeout(this.heartbeatTimer);
    await Promise.all([
      ...this.informers.map(i => i.stop()),
      this.heartbeating,
    ]);
    this.api.close();
    this.heartbeatApi.close();
  }

  /**
   * When the copy was last confirmed current, and whether that is longer
   * ago than the threshold. The copy of a kind is current as of its last
   * list or watch event (BOOKMARKs included), or, while its watch stream is
   * open, as of the last time the API server answered a heartbeat; the
   * cluster's copy is as old as its oldest kind's.
   */
  freshness(now = Date.now()): ClusterFreshness {
    let syncedAt = Infinity;
    let oldest: KindInformer | undefined;
    for (const informer of this.informers) {
      const at = informer.syncedAt(this.heartbeatAt);
      if (at === undefined) return {};
      if (at < syncedAt) {
        syncedAt = at;
        oldest = informer;
      }
    }
    if (!oldest || now - syncedAt <= this.staleAfterMs) return { syncedAt };
    let why: string;
    if (this.heartbeatError) {
      why = `the API server does not answer (${this.heartbeatError})`;
    } else if (oldest.error) {
      why = `the watch of ${oldest.kind.key} is broken (${oldest.error.message})`;
    } else {
      why = `no news of ${oldest.kind.key}`;
    }
    return {
      syncedAt,
      stale: {
        since: syncedAt + this.staleAfterMs,
        message: `cluster ${this.name}: not confirmed current for ${Math.round(
          (now - syncedAt) / 1000,
        )} s (threshold ${Math.round(
          this.staleAfterMs / 1000,
        )} s): ${why}; showing the last copy`,
      },
    };
  }

  // Every heartbeatIntervalMs: does the API server answer? Any HTTP answer
  // counts (even 403: it is alive). When it answers again after failing,
  // every watch is re-established: the old streams may sit on connections
  // that went silent. After each, say whether the copy became stale (or
  // fresh again): a change of the whole cluster, so open tabs refetch.
  private async heartbeat() {
    try {
      await this.heartbeatApi.get(HEARTBEAT_PATH);
      this.answered();
    } catch (error) {
      if (error instanceof KubeApiError) {
        this.answered();
      } else {
        if (this.heartbeatError === undefined) {
          this.logger.warn(
            `cluster ${this.name}: heartbeat failed: ${
              (error as Error).message
            }`,
          );
        }
        this.heartbeatError = (error as Error).message;
      }
    }
    const stale = this.freshness().stale;
    if (!!stale !== this.wasStale) {
      this.wasStale = !!stale;
      if (stale) this.logger.warn(stale.message);
      else this.logger.info(`cluster ${this.name}: the copy is current again`);
      this.onChange(this.name, '');
    }
    if (!this.stopped) {
      this.heartbeatTimer = setTimeout(() => {
        this.heartbeating = this.heartbeat();
      }, this.heartbeatIntervalMs);
    }
  }

  private answered() {
    this.heartbeatAt = Date.now();
    if (this.heartbeatError !== undefined) {
      this.heartbeatError = undefined;
      this.logger.info(
        `cluster ${this.name}: the API server answers again; re-establishing watches`,
      );
      for (const informer of this.informers) informer.reconnect();
    }
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

  /**
   * A key that changes whenever any object of any kind in these namespaces
   * changes: results computed from `objectsIn(namespaces)` stay valid while
   * it is the same.
   */
  revision(namespaces: Iterable<string>): string {
    const parts: number[] = [];
    for (const ns of namespaces) {
      for (const informer of this.informers) parts.push(informer.revision(ns));
    }
    return parts.join('.');
  }

  /** Namespaces that hold at least one object of the kind. */
  namespacesOf(kind: keyof ClusterObjects): IterableIterator<string> {
    return this.informers.find(i => i.kind.key === kind)!.namespaces();
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
