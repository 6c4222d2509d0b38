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

import { CompoundEntityRef } from '@backstage/catalog-model';
import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import type {
  EntityRolloutView,
  RouteActionRequest,
  RouteActionResult,
  ScaleRequest,
  ScaleResult,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { ResponseError } from '@backstage/errors';
import { IstioRolloutsApi, IstioRolloutsHealth } from './IstioRolloutsApi';

/**
 * Default {@link IstioRolloutsApi}: talks to the backend plugin through
 * Backstage's discovery and authenticated fetch.
 *
 * @public
 */
export class IstioRolloutsClient implements IstioRolloutsApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  getHealth(): Promise<IstioRolloutsHealth> {
    return this.request<IstioRolloutsHealth>('/health');
  }

  getEntityView(entity: CompoundEntityRef): Promise<EntityRolloutView> {
    return this.request<EntityRolloutView>(`${entityPath(entity)}/view`);
  }

  applyRouteAction(
    entity: CompoundEntityRef,
    request: RouteActionRequest,
  ): Promise<RouteActionResult> {
    return this.request<RouteActionResult>(
      `${entityPath(entity)}/route-actions`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(request),
      },
    );
  }

  scaleVersion(
    entity: CompoundEntityRef,
    request: ScaleRequest,
  ): Promise<ScaleResult> {
    return this.request<ScaleResult>(`${entityPath(entity)}/scale`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(request),
    });
  }

  // Every call goes through here so that errors always carry the backend's
  // message (ResponseError reads Backstage's error body).
  private async request<T>(path: string, init?: RequestInit): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('istio-rollouts');
    const res = await this.fetchApi.fetch(`${baseUrl}${path}`, init);
    if (!res.ok) {
      throw await ResponseError.fromResponse(res);
    }
    return (await res.json()) as T;
  }
}

function entityPath(entity: CompoundEntityRef): string {
  return `/entities/${[entity.namespace, entity.kind, entity.name]
    .map(encodeURIComponent)
    .join('/')}`;
}
