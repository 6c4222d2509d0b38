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
  RouteChangePlan,
  planRouteChange,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { ClusterObjectCache } from '../../cluster/ClusterObjectCache';
import { KubeApiError } from '../../cluster/KubeApi';
import { RouteConflictError, UnprocessableError } from '../../service/errors';
import {
  RouteChangeOutcome,
  RoutingObjectRef,
  TrafficRouter,
} from '../TrafficRouter';

/** The field manager every write of this plugin is recorded under. */
export const FIELD_MANAGER = 'backstage-istio-rollouts';

/**
 * Reads and sets routes of Istio VirtualServices with RFC 6902 JSON
 * Patches. The plan's `test` operations pin the resourceVersion and the
 * route's current weights, so the API server itself refuses the patch if
 * anyone changed the object in between: nothing is ever overwritten.
 */
export class IstioTrafficRouter implements TrafficRouter {
  readonly type = 'istio';

  constructor(private readonly cache: ClusterObjectCache) {}

  private path(ref: RoutingObjectRef) {
    return this.cache.objectPath('virtualServices', ref.namespace, ref.name);
  }

  async get(ref: RoutingObjectRef): Promise<any> {
    try {
      return await this.cache.api.get<any>(this.path(ref));
    } catch (error) {
      throw translate(
        error,
        `VirtualService ${ref.namespace}/${ref.name}`,
        'read',
      );
    }
  }

  async change(
    options: Parameters<TrafficRouter['change']>[0],
  ): Promise<RouteChangeOutcome> {
    const { ref, route, operation, knownSubsets, dryRun, check } = options;
    const what = `VirtualService ${ref.namespace}/${ref.name}`;
    const object = await this.get(ref);
    const result = planRouteChange({
      virtualService: object,
      route,
      operation,
      knownSubsets,
    });
    if (!result.ok) {
      throw refusal(result.status, `${what}: ${result.message}`);
    }
    check?.(result, object);
    const resourceVersionBefore = String(
      object.metadata?.resourceVersion ?? '',
    );
    try {
      const stored = await this.cache.api.jsonPatch<any>(
        this.path(ref),
        result.patch,
        FIELD_MANAGER,
        dryRun,
      );
      return {
        plan: result,
        resourceVersionBefore,
        resourceVersionAfter: dryRun
          ? undefined
          : String(stored.metadata?.resourceVersion ?? ''),
      };
    } catch (error) {
      if (isFailedTest(error)) {
        throw await this.conflict(ref, route, what);
      }
      throw translate(error, what, dryRun ? 'validate a patch of' : 'patch');
    }
  }

  // A failed `test` means the object moved on since we read it: answer
  // with what it is now, so the caller can review and retry.
  private async conflict(
    ref: RoutingObjectRef,
    route: number | string,
    what: string,
  ) {
    try {
      const now = await this.get(ref);
      const snapshot = planRouteChange({
        virtualService: now,
        route,
        operation: { type: 'remove-mirror' },
      });
      return new RouteConflictError(
        `${what} changed since it was read (someone else wrote it); nothing was changed. Review its current state and try again.`,
        {
          resourceVersion: String(now.metadata?.resourceVersion ?? ''),
          route: snapshot.ok ? snapshot.before : undefined,
        },
      );
    } catch {
      return new RouteConflictError(
        `${what} changed since it was read; nothing was changed.`,
      );
    }
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

export type { RouteChangePlan };
