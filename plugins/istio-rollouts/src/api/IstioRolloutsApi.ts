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
import { createApiRef } from '@backstage/core-plugin-api';
import type {
  AuditExportFormat,
  AuditExportQuery,
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
  PromotionRequestListQuery,
  ReleasesInFlightPage,
  ReleasesInFlightQuery,
  RouteActionRequest,
  RouteActionResult,
  ScaleRequest,
  ScaleResult,
} from '@istio-rollouts/plugin-istio-rollouts-common';

/**
 * The backend's answer to a health check.
 *
 * @public
 */
export interface IstioRolloutsHealth {
  status: string;
}

/**
 * Which of an entity's promotion requests to list.
 *
 * @public
 */
export type ListPromotionRequestsOptions = PromotionRequestListQuery;

/**
 * A page of an entity's history.
 *
 * @public
 */
export interface HistoryPageOptions {
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

/**
 * A downloaded audit export, ready to be saved.
 *
 * @public
 */
export interface AuditExport {
  content: Blob;
  /** From the backend's Content-Disposition, or a dated default. */
  filename: string;
}

/**
 * Client of the Istio Rollouts backend.
 *
 * @public
 */
export interface IstioRolloutsApi {
  /** Whether the backend plugin is installed and answering. */
  getHealth(): Promise<IstioRolloutsHealth>;
  /** The entity's VirtualServices, routes, versions and split, per cluster. */
  getEntityView(entity: CompoundEntityRef): Promise<EntityRolloutView>;
  /** Changes one route (or, with dryRun, returns the patch it would send). */
  applyRouteAction(
    entity: CompoundEntityRef,
    request: RouteActionRequest,
  ): Promise<RouteActionResult>;
  /**
   * Acts on the Argo Rollout or Flagger Canary that drives one of the
   * entity's VirtualServices (or, with dryRun, says what it would do).
   */
  controllerAction(
    entity: CompoundEntityRef,
    request: ControllerActionRequest,
  ): Promise<ControllerActionResult>;
  /**
   * The URLs (with the Canary's token) of the plugin's Flagger gates for a
   * Canary of the entity, to paste into its spec.analysis.webhooks. Needs
   * the apply permission on the entity. Optional, so that clients written
   * before it still fit; without it the tab does not offer the URLs.
   */
  flaggerWebhooks?(
    entity: CompoundEntityRef,
    target: Omit<ControllerTarget, 'kind'>,
  ): Promise<FlaggerWebhooksResponse>;
  /** Scales one version's Deployment. */
  scaleVersion(
    entity: CompoundEntityRef,
    request: ScaleRequest,
  ): Promise<ScaleResult>;
  /** The entity's promotion requests, newest first, and the approval policy. */
  listRequests(
    entity: CompoundEntityRef,
    options?: ListPromotionRequestsOptions,
  ): Promise<PromotionRequestList>;
  /** Asks the entity's owners to move traffic. */
  createRequest(
    entity: CompoundEntityRef,
    request: CreatePromotionRequest,
  ): Promise<CreatedPromotionRequest>;
  /** Approves a pending request, which applies it (409 when the route changed since). */
  approveRequest(
    id: string,
    decision?: DecidePromotionRequest,
  ): Promise<PromotionRequest>;
  /** Rejects a pending request; the reason is required. */
  rejectRequest(
    id: string,
    decision: DecidePromotionRequest & { reason: string },
  ): Promise<PromotionRequest>;
  /** Withdraws one's own pending request. */
  cancelRequest(
    id: string,
    decision?: DecidePromotionRequest,
  ): Promise<PromotionRequest>;
  /** The entity's audit records, newest first. */
  getHistory(
    entity: CompoundEntityRef,
    options?: HistoryPageOptions,
  ): Promise<AuditRecordPage>;
  /** The audit trail across services (needs the audit read permission). */
  listAudit(query?: AuditQuery): Promise<AuditRecordPage>;
  /** The whole filtered audit trail as CSV or NDJSON. */
  exportAudit(
    query: AuditExportQuery,
    format: AuditExportFormat,
  ): Promise<AuditExport>;
  /**
   * Every route, across clusters, half-way through a release, oldest first:
   * all of them for the audit permission, else those of entities the user
   * may read.
   */
  listReleasesInFlight(
    query?: ReleasesInFlightQuery,
  ): Promise<ReleasesInFlightPage>;
}

/**
 * Reference to the {@link IstioRolloutsApi}; override it to customise the client.
 *
 * @public
 */
export const istioRolloutsApiRef = createApiRef<IstioRolloutsApi>({
  id: 'plugin.istio-rollouts.service',
});

// The signal channels and messages are shared with the backend.
export {
  ISTIO_ROLLOUTS_REQUESTS_SIGNAL_CHANNEL,
  ISTIO_ROLLOUTS_SIGNAL_CHANNEL,
} from '@istio-rollouts/plugin-istio-rollouts-common';
export type {
  PromotionRequestSignal,
  RolloutChangeSignal,
} from '@istio-rollouts/plugin-istio-rollouts-common';
// So are the audit export's query and formats.
export type {
  AuditExportFormat,
  AuditExportQuery,
} from '@istio-rollouts/plugin-istio-rollouts-common';
