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

import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import {
  PlanRouteChangeResult,
  RouteChangePlan,
  RouteOperation,
  RouteSnapshot,
  VersionView,
  describeSplit,
  sameSplit,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { ClusterObjects } from '@istio-rollouts/plugin-istio-rollouts-common';
import { ClusterObjectCache } from '../cluster/ClusterObjectCache';
import { KubeApiError, KubeRequestError } from '../cluster/KubeApi';
import {
  RouteConflictError,
  StaleRequestError,
  UnprocessableError,
  clusterFailure,
} from '../errors';
import { FIELD_MANAGER } from '../fieldManager';
import {
  RouteChangeOptions,
  RouteChangeOutcome,
  RouteKind,
  RoutedObject,
  RoutingObjectRef,
  TrafficRouter,
} from './TrafficRouter';

/** A route of a routing object, by position, as the object holds it. */
export interface PickedRoute {
  raw: unknown;
  index: number;
}

/**
 * What every router that writes RFC 6902 JSON Patches shares: plan on the
 * cached object, send the patch, and when the API server refuses its
 * `test` operations (someone wrote the object in between), read fresh and
 * either plan again (the route itself is unchanged) or answer 409 with the
 * route as it is now. Nothing is ever overwritten. A mesh's router says
 * how its routes are found, planned and snapshotted.
 */
export abstract class JsonPatchTrafficRouter implements TrafficRouter {
  abstract readonly kind: RouteKind;
  /** The watch cache's key for the kind. */
  protected abstract readonly cacheKey: keyof ClusterObjects;
  private readonly lastWritten = new Map<string, string>();

  constructor(protected readonly cache: ClusterObjectCache) {}

  /**
   * The planner for one change: anything it needs from the cache is read
   * once, before the object (as the change sees the cluster).
   */
  protected abstract planner(
    ref: RoutingObjectRef,
    operation: RouteOperation,
  ): (
    object: unknown,
    route: number | string,
    operation: RouteOperation,
  ) => PlanRouteChangeResult;
  /** The route a change is about, by index or name. */
  protected abstract pickRoute(
    object: unknown,
    route: number | string,
  ): PickedRoute | undefined;
  /** The audit snapshot of a route of `object`. */
  protected abstract snapshot(
    raw: unknown,
    index: number,
    object: unknown,
  ): RouteSnapshot;
  /** The weights of a route as written (what a GitOps revert leaves). */
  protected abstract weightsAsWritten(raw: unknown): number[];

  abstract routeHosts(object: unknown, index: number): string[];
  abstract hostsOfChange(plan: RouteChangePlan, object: unknown): string[];
  abstract versionsGaining(
    plan: RouteChangePlan,
    object: RoutedObject,
  ): VersionView[];

  objectPath(ref: RoutingObjectRef): string {
    return this.cache.objectPath(this.cacheKey, ref.namespace, ref.name);
  }

  readRoute(
    object: unknown,
    route: number | string,
  ): RouteSnapshot | undefined {
    const found = this.pickRoute(object, route);
    return found ? this.snapshot(found.raw, found.index, object) : undefined;
  }

  cachedWeights(ref: RoutingObjectRef, index: number) {
    const current = this.cache.find(this.cacheKey, ref.namespace, ref.name);
    if (!current) return undefined;
    const found = this.pickRoute(current, index);
    return {
      resourceVersion: current.metadata?.resourceVersion,
      weights: found ? this.weightsAsWritten(found.raw) : [],
    };
  }

  // Only change() reads fresh, before it writes: a read that gets no
  // answer means the change was not sent (503).
  async get(ref: RoutingObjectRef): Promise<any> {
    const what = `${this.kind} ${ref.namespace}/${ref.name}`;
    try {
      return await this.cache.api.get<any>(this.objectPath(ref));
    } catch (error) {
      if (error instanceof KubeRequestError) {
        throw clusterFailure(error, {
          cluster: this.cache.name,
          what,
          phase: 'before-write',
        });
      }
      throw translate(error, what, 'read');
    }
  }

  /**
   * Plans on the cached object first — usually current, so a change costs
   * one request. If the API server refuses the patch's `test`s, the object is
   * read fresh: when the route itself is unchanged (someone wrote another
   * route or a label, or the cache was a moment behind), the change is
   * planned again, re-validated and sent once more; when the route changed,
   * the answer is 409 with its current state, and nothing is overwritten.
   */
  async change(options: RouteChangeOptions): Promise<RouteChangeOutcome> {
    const { ref, route, operation, dryRun, expect, check } = options;
    const plan = this.planner(ref, operation);
    const what = `${this.kind} ${ref.namespace}/${ref.name}`;
    const key = `${ref.namespace}/${ref.name}`;
    const cached = this.cache.find(this.cacheKey, ref.namespace, ref.name);
    // Our own last write may not have reached the cache yet (two quick
    // clicks): then the cached route is stale by our own doing, so read.
    const usable =
      !expect &&
      cached &&
      // A stale copy (the cluster stopped answering): never plan on it.
      !this.cache.freshness().stale &&
      !olderThan(cached.metadata?.resourceVersion, this.lastWritten.get(key));
    let object: any = usable ? cached : await this.get(ref);
    for (let attempt = 1; ; attempt++) {
      if (expect) this.assertRouteUnchanged(object, route, expect.before);
      const result = plan(object, route, operation);
      if (!result.ok) {
        throw refusal(result.status, `${what}: ${result.message}`);
      }
      if (expect?.after) assertSplitAsApproved(object, result, expect.after);
      check?.(result, object);
      try {
        const stored = await this.cache.api.jsonPatch<any>(
          this.objectPath(ref),
          result.patch,
          FIELD_MANAGER,
          dryRun,
        );
        if (!dryRun) {
          this.lastWritten.set(
            key,
            String(stored.metadata?.resourceVersion ?? ''),
          );
        }
        return {
          plan: result,
          resourceVersionBefore: String(object.metadata?.resourceVersion ?? ''),
          resourceVersionAfter: dryRun
            ? undefined
            : String(stored.metadata?.resourceVersion ?? ''),
        };
      } catch (error) {
        if (error instanceof KubeRequestError) {
          // Sent and unanswered: unknown (504), kept with what it meant to
          // do so the audit can say it and the plugin can check later.
          throw clusterFailure(error, {
            cluster: this.cache.name,
            what: `${what} route ${route}`,
            phase: dryRun ? 'dry-run' : 'write',
            intended: {
              weightsBefore: result.before,
              weightsAfter: result.after,
              resourceVersionBefore: String(
                object.metadata?.resourceVersion ?? '',
              ),
            },
          });
        }
        if (!isFailedTest(error)) {
          throw translate(
            error,
            what,
            dryRun ? 'validate a patch of' : 'patch',
          );
        }
        if (attempt > 1) {
          throw await this.conflict(ref, route, what);
        }
        const fresh = await this.get(ref);
        if (!this.sameRoute(object, fresh, route)) {
          throw await this.conflict(ref, route, what, fresh);
        }
        object = fresh;
      }
    }
  }

  // A failed `test` means the object moved on since we read it: answer
  // with what it is now, so the caller can review and retry.
  private async conflict(
    ref: RoutingObjectRef,
    route: number | string,
    what: string,
    fresh?: any,
  ) {
    try {
      const now = fresh ?? (await this.get(ref));
      return new RouteConflictError(
        `${what} changed since it was read (someone else wrote it); nothing was changed. Review its current state and try again.`,
        {
          resourceVersion: String(now.metadata?.resourceVersion ?? ''),
          route: this.readRoute(now, route),
        },
      );
    } catch {
      return new RouteConflictError(
        `${what} changed since it was read; nothing was changed.`,
      );
    }
  }

  // What an approver saw is the route (by name) and its split: destinations,
  // weights and mirror. A change elsewhere (retries, a label, another route)
  // does not change what the approved operation does, so it is not stale; a
  // route that is gone, renamed or split differently is.
  private assertRouteUnchanged(
    object: any,
    route: number | string,
    before: RouteSnapshot,
  ) {
    const resourceVersion = String(object?.metadata?.resourceVersion ?? '');
    const now = this.readRoute(object, route);
    if (!now) {
      throw new StaleRequestError(
        `Route ${route} no longer exists; nothing was applied.`,
        { resourceVersion },
      );
    }
    if ((now.name ?? null) !== (before.name ?? null)) {
      throw new StaleRequestError(
        `Route ${route} is now ${
          now.name ? `'${now.name}'` : 'an unnamed route'
        }, not the ${
          before.name ? `'${before.name}'` : 'unnamed'
        } route of the request; nothing was applied.`,
        { resourceVersion, route: now },
      );
    }
    if (!sameSplit(now, before)) {
      throw new StaleRequestError(
        `The route changed since the request was made (it was ${describeSplit(
          before,
        )}, it is now ${describeSplit(
          now,
        )}); nothing was applied. Make a new request if the change still makes sense.`,
        { resourceVersion, route: now },
      );
    }
  }

  private sameRoute(a: any, b: any, route: number | string): boolean {
    return (
      JSON.stringify(this.pickRoute(a, route)?.raw ?? null) ===
      JSON.stringify(this.pickRoute(b, route)?.raw ?? null)
    );
  }
}

/**
 * A route of a list by index or name (`spec.http` of a VirtualService,
 * `spec.rules` of an HTTPRoute).
 */
export function pickFromList(
  list: unknown,
  route: number | string,
): PickedRoute | undefined {
  const items: any[] = Array.isArray(list) ? list : [];
  const index =
    typeof route === 'number' ? route : items.findIndex(r => r?.name === route);
  return index >= 0 && index < items.length
    ? { raw: items[index], index }
    : undefined;
}

// resourceVersions are opaque strings to clients, but etcd's are increasing
// integers; when both are, compare them, else assume the cache is current.
function olderThan(version: unknown, than: string | undefined): boolean {
  if (
    !than ||
    typeof version !== 'string' ||
    !/^\d+$/.test(version) ||
    !/^\d+$/.test(than)
  ) {
    return false;
  }
  return BigInt(version) < BigInt(than);
}

function assertSplitAsApproved(
  object: any,
  plan: RouteChangePlan,
  after: RouteSnapshot,
) {
  if (!sameSplit(plan.after, after)) {
    throw new StaleRequestError(
      `The change would now give ${describeSplit(
        plan.after,
      )} instead of the approved ${describeSplit(
        after,
      )} (the canary steps changed since the request); nothing was applied.`,
      {
        resourceVersion: String(object?.metadata?.resourceVersion ?? ''),
        route: plan.before,
      },
    );
  }
}

function refusal(status: number, message: string): Error {
  switch (status) {
    case 404:
      return new NotFoundError(message);
    case 409:
      return new RouteConflictError(message);
    case 422:
      return new UnprocessableError(message);
    default:
      return new InputError(message);
  }
}

// The API server answers a failed JSON Patch `test` with 422 Invalid and a
// generic message (see test/cluster/README.md), or with 409 Conflict.
function isFailedTest(error: unknown): boolean {
  return (
    error instanceof KubeApiError &&
    (error.statusCode === 409 ||
      (error.statusCode === 422 &&
        /testing|test operation|the server rejected our request due to an error in our request/i.test(
          error.message,
        )))
  );
}

function translate(error: unknown, what: string, verb: string): Error {
  if (!(error instanceof KubeApiError)) return error as Error;
  switch (error.statusCode) {
    case 403:
      return new NotAllowedError(
        `The plugin's Kubernetes identity may not ${verb} ${what} (RBAC): ${error.message}`,
      );
    case 404:
      return new NotFoundError(`${what} does not exist`);
    case 409:
      return new RouteConflictError(`${what}: ${error.message}`);
    case 400:
    case 422:
      return new UnprocessableError(
        `The cluster refused the change to ${what}: ${error.message}`,
      );
    default:
      return error;
  }
}
