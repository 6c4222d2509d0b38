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
import { KubeApi, KubeApiError, KubeWatchEvent } from './KubeApi';
import { NamespacedStore } from './NamespacedStore';
import { WatchedKind } from './watchedKinds';
import { sleep } from '../lib/sleep';

/** Called with the namespace of every object that was added, changed or removed. */
export type ChangeListener = (
  kind: WatchedKind['key'],
  namespace: string,
) => void;

/**
 * Called with every object added or changed, as the API server sent it
 * (not slimmed: managedFields included), with the cached copy it replaces.
 * `via` says how it was seen: a watch event, the first list after start
 * (nothing cached to compare with), or a re-list after the watch broke.
 */
export type ObjectListener = (event: {
  object: any;
  previous?: any;
  via: 'watch' | 'initial-list' | 'relist';
}) => void;

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
const ABSENT_RECHECK_MS = 5 * 60_000;

/**
 * Default client-side idle deadline of a watch stream. kube-apiserver sends
 * BOOKMARKs only about once a minute (measured: 60 s on 1.36), so a quiet
 * stream is kept alive by asking the server to end it before this (see
 * KubeApi.watch); 45 s notices a silent (hung) stream within a minute with
 * room for the reconnect.
 */
export const DEFAULT_WATCH_IDLE_TIMEOUT_MS = 45_000;

export interface KindInformerOptions {
  /** Client-side idle deadline of each watch stream (0: none). */
  watchIdleTimeoutMs?: number;
}

/**
 * Keeps an up-to-date copy of one kind on one cluster: list, then watch from
 * the list's resourceVersion; re-list when the server says 410 Gone (the
 * version fell out of etcd's window); reconnect with exponential backoff.
 */
export class KindInformer {
  private objects = new NamespacedStore();
  private resourceVersion?: string;
  private path?: string;
  private synced = false;
  private absent = false;
  private lastError?: Error;
  private forbiddenLogged = false;
  private readonly stopController = new AbortController();
  private running?: Promise<void>;
  private currentWatch?: AbortController;
  /** Aborted by reconnect() to cut a backoff sleep short. */
  private wake = new AbortController();
  /** Date.now() of the last answer: a list, or a sign of life of a watch. */
  private contactAt?: number;
  /** Whether a watch stream is open (its 200 headers came). */
  private watching = false;
  private readonly watchIdleTimeoutMs: number;

  constructor(
    readonly kind: WatchedKind,
    private readonly api: KubeApi,
    private readonly logger: LoggerService,
    private readonly onChange: ChangeListener,
    private readonly onObject?: ObjectListener,
    options: KindInformerOptions = {},
  ) {
    this.watchIdleTimeoutMs =
      options.watchIdleTimeoutMs ?? DEFAULT_WATCH_IDLE_TIMEOUT_MS;
  }

  start() {
    this.running ??= this.run();
  }

  async stop() {
    this.stopController.abort();
    await this.running;
  }

  /**
   * Drops the current watch, or cuts a retry's backoff short; the informer
   * resumes from its last resourceVersion (or re-lists, if the server says
   * it expired).
   */
  reconnect() {
    this.currentWatch?.abort();
    this.wake.abort();
  }

  /**
   * Date.now() up to which this copy is known to be current, or undefined
   * before the first list. The last list or sign of life of the watch;
   * while a watch is open (or the optional kind is absent), also the last
   * time the cluster answered anything (`contactAt`, e.g. a heartbeat): an
   * open stream of a server that answers is current, and a stream that went
   * silent is dropped within the idle deadline.
   */
  syncedAt(contactAt?: number): number | undefined {
    if (!this.synced || this.contactAt === undefined) return undefined;
    if (this.watching || this.absent) {
      return Math.max(this.contactAt, contactAt ?? 0);
    }
    return this.contactAt;
  }

  /** True once the first list has completed (or the optional CRD is absent). */
  get isSynced() {
    return this.synced;
  }

  /** The collection path the server serves for this kind (after the first list). */
  get servedPath(): string | undefined {
    return this.path;
  }

  get error(): Error | undefined {
    return this.lastError;
  }

  values(): IterableIterator<any> {
    return this.objects.values();
  }

  get(namespace: string, name: string): any | undefined {
    return this.objects.get(namespace, name);
  }

  inNamespace(namespace: string): IterableIterator<any> {
    return this.objects.inNamespace(namespace);
  }

  get size() {
    return this.objects.size;
  }

  /** See NamespacedStore.revision. */
  revision(namespace: string): number {
    return this.objects.revision(namespace);
  }

  /** Namespaces with at least one object of this kind. */
  namespaces(): IterableIterator<string> {
    return this.objects.namespaces();
  }

  private async run() {
    const stopSignal = this.stopController.signal;
    let backoff = MIN_BACKOFF_MS;
    while (!stopSignal.aborted) {
      try {
        if (this.resourceVersion === undefined) {
          await this.relist();
          if (this.absent) {
            await sleep(ABSENT_RECHECK_MS, stopSignal);
            continue;
          }
        }
        await this.watchOnce(stopSignal);
        backoff = MIN_BACKOFF_MS;
      } catch (error) {
        if (stopSignal.aborted) break;
        if (isGone(error)) {
          // Our resourceVersion is too old: start over from a fresh list.
          this.resourceVersion = undefined;
          continue;
        }
        this.lastError = error as Error;
        this.logger.warn(
          `${this.kind.key} on cluster ${this.api.clusterName}: ${
            (error as Error).message
          }; retrying in ${backoff} ms`,
        );
        // reconnect() (the cluster answers again) cuts the backoff short,
        // also when it came during the attempt that just failed.
        if (!this.wake.signal.aborted) {
          await sleep(backoff, AbortSignal.any([stopSignal, this.wake.signal]));
        }
        if (this.wake.signal.aborted) {
          this.wake = new AbortController();
          backoff = MIN_BACKOFF_MS;
        } else {
          backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        }
      }
    }
  }

  private async relist() {
    const paths = this.path ? [this.path] : this.kind.paths;
    for (const path of paths) {
      try {
        const list = await this.api.list<any>(path, undefined, {
          labelSelector: this.kind.labelSelector,
        });
        const fresh = NamespacedStore.from(list.items.map(this.kind.slim));
        const via = this.synced ? 'relist' : 'initial-list';
        const seen: Array<{ object: any; previous?: any }> = [];
        // Report what changed while we were not watching (deletions included).
        const touched = new Set<string>();
        for (const obj of list.items) {
          const { namespace = '', name, resourceVersion } = obj.metadata ?? {};
          const previous = this.objects.get(namespace, name);
          if (previous?.metadata?.resourceVersion !== resourceVersion) {
            touched.add(changedNamespace(obj));
            seen.push({ object: obj, previous });
          }
        }
        for (const obj of this.objects.values()) {
          const { namespace = '', name } = obj.metadata ?? {};
          if (!fresh.get(namespace, name)) touched.add(changedNamespace(obj));
        }
        this.objects = fresh;
        this.path = path;
        this.resourceVersion = list.resourceVersion;
        this.absent = false;
        this.synced = true;
        this.lastError = undefined;
        this.contactAt = Date.now();
        for (const ns of touched) this.onChange(this.kind.key, ns);
        for (const event of seen) this.onObject?.({ ...event, via });
        return;
      } catch (error) {
        if (error instanceof KubeApiError && error.statusCode === 404) {
          continue; // this API version is not served; try the next one
        }
        if (
          this.kind.optional &&
          error instanceof KubeApiError &&
          error.statusCode === 403
        ) {
          // A kind the view can do without (HTTPRoutes, Argo, Flagger)
          // that the plugin's ClusterRole does not grant: none, said once
          // in the log, rather than the whole cluster failing.
          if (!this.forbiddenLogged) {
            this.forbiddenLogged = true;
            this.logger.warn(
              `${this.kind.key}: the API server answered 403 to ${path}; shown as none until the plugin's ClusterRole grants get/list/watch on them`,
            );
          }
          break;
        }
        throw error;
      }
    }
    if (!this.kind.optional) {
      throw new Error(
        `none of ${paths.join(', ')} is served (is the CRD installed?)`,
      );
    }
    this.absent = true;
    this.synced = true;
    this.lastError = undefined;
    this.contactAt = Date.now();
    if (this.objects.size > 0) {
      this.objects = new NamespacedStore();
      this.onChange(this.kind.key, '');
    }
  }

  private async watchOnce(stopSignal: AbortSignal) {
    const watchController = new AbortController();
    this.currentWatch = watchController;
    const abortWatch = () => watchController.abort();
    // stop() may have come while we were listing: an abort listener added
    // after the fact never fires, and the watch would hang for minutes.
    if (stopSignal.aborted) return;
    stopSignal.addEventListener('abort', abortWatch, { once: true });
    let gone: KubeApiError | undefined;
    try {
      await this.api.watch(
        this.path!,
        this.resourceVersion!,
        event => {
          const outcome = this.apply(event);
          if (outcome) {
            gone = outcome;
            watchController.abort();
          }
        },
        watchController.signal,
        {
          idleTimeoutMs: this.watchIdleTimeoutMs,
          onActivity: () => {
            this.contactAt = Date.now();
            this.watching = true;
          },
          labelSelector: this.kind.labelSelector,
        },
      );
    } finally {
      this.watching = false;
      stopSignal.removeEventListener('abort', abortWatch);
    }
    if (gone) throw gone;
  }

  /** Applies one event; returns an error when the stream says to re-list. */
  private apply(event: KubeWatchEvent): KubeApiError | undefined {
    const object = event.object;
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED': {
        const previous = this.objects.get(
          object.metadata?.namespace ?? '',
          object.metadata?.name,
        );
        this.objects.set(this.kind.slim(object));
        this.resourceVersion =
          object.metadata?.resourceVersion ?? this.resourceVersion;
        this.onChange(this.kind.key, changedNamespace(object));
        this.onObject?.({ object, previous, via: 'watch' });
        return undefined;
      }
      case 'DELETED':
        this.objects.delete(object);
        this.resourceVersion =
          object.metadata?.resourceVersion ?? this.resourceVersion;
        this.onChange(this.kind.key, changedNamespace(object));
        return undefined;
      case 'BOOKMARK':
        this.resourceVersion =
          object.metadata?.resourceVersion ?? this.resourceVersion;
        return undefined;
      case 'ERROR':
      default:
        return new KubeApiError(
          object?.code ?? 500,
          object?.reason,
          object?.message ?? 'watch error',
        );
    }
  }
}

function isGone(error: unknown): boolean {
  return (
    error instanceof KubeApiError &&
    (error.statusCode === 410 ||
      error.reason === 'Expired' ||
      error.reason === 'Gone')
  );
}

// The namespace a change concerns: an object's own, and for a Namespace
// (cluster-scoped; its labels bind the objects in it) the one it is.
function changedNamespace(object: any): string {
  return object?.kind === 'Namespace'
    ? object.metadata?.name ?? ''
    : object?.metadata?.namespace ?? '';
}
