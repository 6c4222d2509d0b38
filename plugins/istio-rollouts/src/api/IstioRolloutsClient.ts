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
  AuditQuery,
  AuditRecordPage,
  ControllerActionRequest,
  ControllerActionResult,
  ControllerTarget,
  CreatePromotionRequest,
  CreatedPromotionRequest,
  DecidePromotionRequest,
  EntityRolloutView,
  FlaggerWebhooksResponse,
  PromotionRequest,
  PromotionRequestList,
  ReleasesInFlightPage,
  ReleasesInFlightQuery,
  RouteActionRequest,
  RouteActionResult,
  ScaleRequest,
  ScaleResult,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { ResponseError } from '@backstage/errors';
import {
  AuditExport,
  AuditExportFormat,
  AuditExportQuery,
  HistoryPageOptions,
  IstioRolloutsApi,
  IstioRolloutsHealth,
  ListPromotionRequestsOptions,
} from './IstioRolloutsApi';

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
    return this.post<RouteActionResult>(
      `${entityPath(entity)}/route-actions`,
      request,
    );
  }

  controllerAction(
    entity: CompoundEntityRef,
    request: ControllerActionRequest,
  ): Promise<ControllerActionResult> {
    return this.post<ControllerActionResult>(
      `${entityPath(entity)}/controller-actions`,
      request,
    );
  }

  flaggerWebhooks(
    entity: CompoundEntityRef,
    target: Omit<ControllerTarget, 'kind'>,
  ): Promise<FlaggerWebhooksResponse> {
    const query = queryString({
      cluster: target.cluster,
      namespace: target.namespace,
      name: target.name,
    });
    return this.request<FlaggerWebhooksResponse>(
      `${entityPath(entity)}/flagger-webhooks${query}`,
    );
  }

  scaleVersion(
    entity: CompoundEntityRef,
    request: ScaleRequest,
  ): Promise<ScaleResult> {
    return this.post<ScaleResult>(`${entityPath(entity)}/scale`, request);
  }

  listRequests(
    entity: CompoundEntityRef,
    options: ListPromotionRequestsOptions = {},
  ): Promise<PromotionRequestList> {
    const query = queryString({
      status: options.status?.length ? options.status.join(',') : undefined,
      limit: options.limit,
    });
    return this.request<PromotionRequestList>(
      `${entityPath(entity)}/requests${query}`,
    );
  }

  createRequest(
    entity: CompoundEntityRef,
    request: CreatePromotionRequest,
  ): Promise<CreatedPromotionRequest> {
    return this.post<CreatedPromotionRequest>(
      `${entityPath(entity)}/requests`,
      request,
    );
  }

  approveRequest(
    id: string,
    decision: DecidePromotionRequest = {},
  ): Promise<PromotionRequest> {
    return this.post<PromotionRequest>(
      `/requests/${encodeURIComponent(id)}/approve`,
      decision,
    );
  }

  rejectRequest(
    id: string,
    decision: DecidePromotionRequest & { reason: string },
  ): Promise<PromotionRequest> {
    return this.post<PromotionRequest>(
      `/requests/${encodeURIComponent(id)}/reject`,
      decision,
    );
  }

  cancelRequest(
    id: string,
    decision: DecidePromotionRequest = {},
  ): Promise<PromotionRequest> {
    return this.post<PromotionRequest>(
      `/requests/${encodeURIComponent(id)}/cancel`,
      decision,
    );
  }

  getHistory(
    entity: CompoundEntityRef,
    options: HistoryPageOptions = {},
  ): Promise<AuditRecordPage> {
    const query = queryString({ limit: options.limit, cursor: options.cursor });
    return this.request<AuditRecordPage>(
      `${entityPath(entity)}/history${query}`,
    );
  }

  listAudit(query: AuditQuery = {}): Promise<AuditRecordPage> {
    return this.request<AuditRecordPage>(`/audit${queryString({ ...query })}`);
  }

  async exportAudit(
    query: AuditExportQuery,
    format: AuditExportFormat,
  ): Promise<AuditExport> {
    // Paging parameters would be refused by the export; drop them even if a
    // caller passes a whole AuditQuery.
    const { limit: _limit, cursor: _cursor, ...filters } = query as AuditQuery;
    const res = await this.fetch(
      `/audit/export${queryString({ format, ...filters })}`,
    );
    return {
      content: await res.blob(),
      filename:
        filenameOf(res.headers.get('content-disposition')) ??
        `istio-rollouts-audit-${new Date()
          .toISOString()
          .slice(0, 10)}.${format}`,
    };
  }

  listReleasesInFlight(
    query: ReleasesInFlightQuery = {},
  ): Promise<ReleasesInFlightPage> {
    // The backend knows `staleOnly=true` only: "not only stale" is no filter.
    const params = { ...query, staleOnly: query.staleOnly || undefined };
    return this.request<ReleasesInFlightPage>(
      `/releases${queryString(params)}`,
    );
  }

  private post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  private async request<T>(path: string, init?: RequestInit): Promise<T> {
    const res = await this.fetch(path, init);
    return (await res.json()) as T;
  }

  // Every call goes through here so that errors always carry the backend's
  // message (ResponseError reads Backstage's error body).
  private async fetch(path: string, init?: RequestInit): Promise<Response> {
    const baseUrl = await this.discoveryApi.getBaseUrl('istio-rollouts');
    const res = await this.fetchApi.fetch(`${baseUrl}${path}`, init);
    if (!res.ok) {
      throw await ResponseError.fromResponse(res);
    }
    return res;
  }
}

function entityPath(entity: CompoundEntityRef): string {
  return `/entities/${[entity.namespace, entity.kind, entity.name]
    .map(encodeURIComponent)
    .join('/')}`;
}

// `?a=1&b=2` of the parameters that have a value, or ''. Empty strings are
// left out too: the backend validates each parameter it receives, and an
// empty filter means "no filter".
function queryString(
  params: Record<string, string | number | boolean | undefined>,
): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

// `attachment; filename="audit.csv"` → `audit.csv` (RFC 6266, without the
// extended `filename*` form, which the backend does not send).
function filenameOf(disposition: string | null): string | undefined {
  const match = disposition?.match(/filename="?([^";]+)"?/i);
  return match?.[1];
}
