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
  RouteSnapshot,
  describeSplit,
  sameSplit,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { ClusterCaches } from '../cluster/ClusterCaches';
import { ClusterObjectCache } from '../cluster/ClusterObjectCache';
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  KubeApiError,
  KubeRequestError,
} from '../cluster/KubeApi';
import { AuditRecord, AuditStore } from '../database/AuditStore';
import { FIELD_MANAGER } from '../fieldManager';
import { createTrafficRouter } from '../traffic/createTrafficRouter';
import { TrafficRouter } from '../traffic/TrafficRouter';
import { ObservedObject, decideWriteOutcome } from './writeOutcome';
import { sleep } from '../lib/sleep';

/**
 * `istioRollouts.clusterRequestTimeout`: the deadline of every call to a
 * cluster (a duration such as `{ seconds: 10 }` or `PT10S`, or a number of
 * seconds); default 10 s.
 */
export function readClusterRequestTimeoutMs(config: Config): number {
  const key = 'istioRollouts.clusterRequestTimeout';
  if (!config.has(key)) return DEFAULT_REQUEST_TIMEOUT_MS;
  const ms =
    typeof config.get(key) === 'number'
      ? config.getNumber(key) * 1000
      : durationToMilliseconds(readDurationFromConfig(config, { key }));
  if (!(ms > 0)) throw new Error(`${key} must be positive`);
  return ms;
}

/** How a reconcile attempt ended. */
export type ReconcileResult = 'settled' | 'unreachable';

const DEFAULT_CONFIRM_MS = 3_000;
const DEFAULT_MAX_BACKOFF_MS = 30_000;
const DEFAULT_GIVE_UP_MS = 60 * 60 * 1000;

/**
 * Settles audit records of writes whose outcome is `unknown` (sent, no
 * answer): re-reads the object once the cluster answers and records
 * `applied` or `failed` with why (see decideWriteOutcome). In-process right
 * after the timeout, retrying with backoff until the cluster answers; and,
 * from a scheduled task, every record still unknown (a replica that died
 * before settling its own). Settling is conditional in the store, so two
 * replicas settling the same record is harmless.
 */
export class WriteReconciler {
  private readonly confirmMs: number;
  private readonly maxBackoffMs: number;
  private readonly giveUpMs: number;
  private readonly tracking = new Set<string>();
  private readonly stopped = new AbortController();

  constructor(
    private readonly options: {
      caches: ClusterCaches;
      store: AuditStore;
      logger: LoggerService;
      /** The deadline of cluster calls: how long a write could have taken. */
      requestTimeoutMs: number;
      /** Wait before confirming a "not applied" with a second read (default 3 s). */
      confirmMs?: number;
      maxBackoffMs?: number;
      /** Stop retrying in-process after this long; the scheduled task goes on. */
      giveUpMs?: number;
      /**
       * After this replica settled a record (an approval's request is
       * corrected from "failed, not known yet" to applied).
       */
      onSettled?: (
        record: AuditRecord,
        outcome: Parameters<AuditStore['settle']>[1],
      ) => Promise<void>;
    },
  ) {
    this.confirmMs = options.confirmMs ?? DEFAULT_CONFIRM_MS;
    this.maxBackoffMs = options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
    this.giveUpMs = options.giveUpMs ?? DEFAULT_GIVE_UP_MS;
  }

  /** Settles the record in the background, retrying until the cluster answers. */
  track(record: AuditRecord): void {
    if (this.tracking.has(record.id) || this.stopped.signal.aborted) return;
    this.tracking.add(record.id);
    this.retry(record)
      .catch(error =>
        this.options.logger.error(
          `could not settle audit record ${record.id}: ${error}`,
        ),
      )
      .finally(() => this.tracking.delete(record.id));
  }

  /** One pass over every record still unknown (the scheduled task). */
  async settleUnsettled(): Promise<{ settled: number; pending: number }> {
    let settled = 0;
    let pending = 0;
    for (const record of await this.options.store.listUnsettled()) {
      if (this.stopped.signal.aborted) break;
      if (this.tracking.has(record.id)) {
        pending++;
        continue;
      }
      if ((await this.reconcile(record)) === 'settled') settled++;
      else pending++;
    }
    return { settled, pending };
  }

  stop() {
    this.stopped.abort();
  }

  /**
   * One attempt: reads the object and settles the record, or answers
   * `unreachable` when the cluster still does not answer. A "not applied"
   * is only recorded after a second read `confirmMs` later agrees: a write
   * still queued in an API server that just resumed could land in between.
   */
  async reconcile(record: AuditRecord): Promise<ReconcileResult> {
    const target = this.targetOf(record);
    if ('unsupported' in target) {
      return this.settle(record, {
        outcome: 'failed',
        message: `Not confirmed: ${target.unsupported}`,
      });
    }
    // A direct write's record is stored as soon as its deadline passed; an
    // approval's may be stored much later (an abandoned one, by the expiry
    // task), so for those only "never written by the plugin" counts.
    const sentAfter = record.requestId
      ? new Date(0)
      : new Date(
          Date.parse(record.createdAt) -
            this.options.requestTimeoutMs -
            // Clock skew between replicas, the API server and the database.
            60_000,
        );
    let decision;
    let observed: ObservedObject | undefined;
    for (let read = 1; ; read++) {
      try {
        observed = await target.read();
      } catch (error) {
        if (
          error instanceof KubeRequestError ||
          (error instanceof KubeApiError &&
            (error.statusCode >= 500 || error.statusCode === 429))
        ) {
          return 'unreachable';
        }
        if (error instanceof KubeApiError) {
          return this.settle(record, {
            outcome: 'failed',
            message: `Not confirmed: the plugin could not read ${target.what} to check the outcome (HTTP ${error.statusCode}: ${error.message}).`,
          });
        }
        throw error;
      }
      decision = decideWriteOutcome({
        what: target.what,
        resourceVersionBefore: record.resourceVersionBefore,
        intended: record.weightsAfter,
        observed,
        same: target.same,
        describe: target.describe,
        fieldManager: FIELD_MANAGER,
        sentAfter,
      });
      if (decision.verdict !== 'not-applied' || read > 1) break;
      await sleep(this.confirmMs, this.stopped.signal);
      if (this.stopped.signal.aborted) return 'unreachable';
    }
    return this.settle(
      record,
      decision.verdict === 'applied'
        ? {
            outcome: 'applied',
            message: decision.message,
            weightsAfter: observed?.state,
            resourceVersionAfter: observed?.resourceVersion,
          }
        : { outcome: 'failed', message: decision.message },
    );
  }

  private async settle(
    record: AuditRecord,
    outcome: Parameters<AuditStore['settle']>[1],
  ): Promise<ReconcileResult> {
    const won = await this.options.store.settle(record.id, outcome);
    if (won) await this.options.onSettled?.(record, outcome);
    this.options.logger.info(
      won
        ? `settled audit record ${record.id} (${record.action} on ${record.cluster}/${record.namespace}): ${outcome.outcome}: ${outcome.message}`
        : `audit record ${record.id} was settled by another replica`,
    );
    return 'settled';
  }

  private async retry(record: AuditRecord) {
    const started = Date.now();
    for (let delay = 1_000; ; delay = Math.min(delay * 2, this.maxBackoffMs)) {
      if ((await this.reconcile(record)) === 'settled') return;
      if (Date.now() - started > this.giveUpMs) {
        this.options.logger.warn(
          `cluster ${record.cluster} still does not answer; audit record ${record.id} stays unknown until the scheduled check settles it`,
        );
        return;
      }
      await sleep(delay, this.stopped.signal);
      if (this.stopped.signal.aborted) return;
    }
  }

  // What the record is about, and how to read it as the record holds it.
  private targetOf(record: AuditRecord):
    | { unsupported: string }
    | {
        what: string;
        read: () => Promise<ObservedObject | undefined>;
        same: (a: unknown, b: unknown) => boolean;
        describe: (state: unknown) => string;
      } {
    const cache = this.options.caches.get(record.cluster);
    if (!cache) {
      return {
        unsupported: `cluster ${record.cluster} is no longer configured, so the outcome cannot be checked.`,
      };
    }
    if (record.virtualService) {
      const what = `VirtualService ${record.namespace}/${
        record.virtualService
      }${record.route !== undefined ? ` route ${record.route}` : ''}`;
      const intended = record.weightsAfter as RouteSnapshot | undefined;
      // The record's `virtualService` names the routing object (a
      // VirtualService until other kinds are recorded, issue 14); the
      // router only locates it and reads its route, the outcome is read
      // here with this class's own error handling.
      const router = createTrafficRouter({ kind: 'VirtualService', cache });
      const path = router.objectPath({
        namespace: record.namespace,
        name: record.virtualService,
      });
      return {
        what,
        read: () =>
          readObject(cache, path, object =>
            routeOf(router, object, record.route, intended),
          ),
        same: (a, b) =>
          !!a && !!b && sameSplit(a as RouteSnapshot, b as RouteSnapshot),
        describe: s =>
          s ? describeSplit(s as RouteSnapshot) : 'without that route',
      };
    }
    const deployment = /^Deployment\/(.+)$/.exec(record.workload ?? '')?.[1];
    if (deployment) {
      const path = `/apis/apps/v1/namespaces/${encodeURIComponent(
        record.namespace,
      )}/deployments/${encodeURIComponent(deployment)}`;
      return {
        what: `Deployment ${record.namespace}/${deployment}`,
        read: () =>
          readObject(cache, path, object => ({
            replicas: Number(object.spec?.replicas ?? 1),
          })),
        same: (a, b) =>
          (a as { replicas?: number })?.replicas ===
          (b as { replicas?: number })?.replicas,
        describe: s => `${(s as { replicas?: number })?.replicas} replicas`,
      };
    }
    const rollout = /^Rollout\/(.+)$/.exec(record.workload ?? '')?.[1];
    if (rollout) {
      // Its controller rewrites a Rollout's status all the time, so no state
      // can be compared with an intended one: what tells is whether this
      // plugin's field manager wrote the Rollout (or its status) after the
      // write was sent — its patches are conditional on the resourceVersion,
      // so a Rollout moved by someone else first was not written by it.
      const path = `/apis/argoproj.io/v1alpha1/namespaces/${encodeURIComponent(
        record.namespace,
      )}/rollouts/${encodeURIComponent(rollout)}`;
      return {
        what: `Rollout ${record.namespace}/${rollout}`,
        read: () =>
          readObject(cache, path, object => ({
            step: object.status?.currentStepIndex,
            phase: object.status?.phase,
          })),
        same: () => true,
        describe: s => {
          const state = s as { step?: number; phase?: string } | undefined;
          return `state (step index ${state?.step ?? 0}${
            state?.phase ? `, ${state.phase}` : ''
          })`;
        },
      };
    }
    return {
      unsupported: `the record names no VirtualService, Deployment or Rollout to check.`,
    };
  }
}

async function readObject(
  cache: ClusterObjectCache,
  path: string,
  stateOf: (object: any) => unknown,
): Promise<ObservedObject | undefined> {
  let object: any;
  try {
    object = await cache.api.get<any>(path);
  } catch (error) {
    if (error instanceof KubeApiError && error.statusCode === 404) {
      return undefined;
    }
    throw error;
  }
  return {
    resourceVersion: String(object.metadata?.resourceVersion ?? ''),
    state: stateOf(object),
    managedFields: Array.isArray(object.metadata?.managedFields)
      ? object.metadata.managedFields
      : undefined,
  };
}

// The route by the name the intended split (or the record) has, else by
// the index the record holds.
function routeOf(
  router: TrafficRouter,
  object: unknown,
  route: string | undefined,
  intended: RouteSnapshot | undefined,
): RouteSnapshot | undefined {
  if (intended?.name) return router.readRoute(object, intended.name);
  if (route !== undefined && /^\d+$/.test(route)) {
    return router.readRoute(object, Number(route));
  }
  if (route !== undefined) return router.readRoute(object, route);
  return intended ? router.readRoute(object, intended.index) : undefined;
}
