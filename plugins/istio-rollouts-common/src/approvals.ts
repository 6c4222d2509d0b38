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

// Wire types of promotion requests (owner approvals) and of the audit
// trail, shared by the backend's API and the frontend's client.

import type { RouteTarget, RoutingObjectKind } from './actions';
import type { CanaryAnalysisView } from './metrics';
import type { RolloutWarning } from './types';
import type {
  ControllerAction,
  ControllerTarget,
  FlaggerGate,
} from './controllers';
import type {
  PromoteFullOperation,
  PromoteNextOperation,
  RouteSnapshot,
  SetWeightsOperation,
} from './write/types';

/**
 * The changes a promotion request may ask for: target weights, the next
 * step of the canary plan, or all traffic to the canary.
 *
 * @public
 */
export type RequestedChange = RequestedRouteChange | ControllerActionChange;

/**
 * The route operations a promotion request may ask for: target weights,
 * the next step of the canary plan, or all traffic to the canary.
 *
 * @public
 */
export type RequestedRouteChange =
  | SetWeightsOperation
  | PromoteNextOperation
  | PromoteFullOperation;

/**
 * A request that a controller (Argo Rollouts, Flagger) move the release on:
 * promote a Rollout (a step, or fully), or open a Flagger gate that lets
 * the canary's traffic grow. The request's `target` is the route the
 * controller drives (for display); `controller` is what approval acts on.
 *
 * @public
 */
export interface ControllerActionChange {
  type: 'controller-action';
  controller: ControllerTarget;
  /**
   * Only actions that raise the canary's share may be requested: Argo
   * promote, promote-full, retry, resume, and opening a Flagger confirm-*
   * gate. Abort, pause and a Flagger rollback are always direct.
   */
  action: ControllerAction;
  /**
   * The controller's state the request was made for, set by the backend
   * when it stores the request (a create body must not carry it). Approval
   * applies the action only while the controller is still there; otherwise
   * the request goes `stale`.
   */
  at?: ControllerStateAtRequest;
}

/**
 * Where a controller was when a {@link ControllerActionChange} was
 * requested: what approval compares with the object read fresh.
 *
 * @public
 */
export interface ControllerStateAtRequest {
  /** The Rollout's or Canary's resourceVersion then (for the record only). */
  resourceVersion: string;
  /** Argo: status.currentPodHash, the version being rolled out. */
  podHash?: string;
  /** Argo: status.currentStepIndex (absent counts as 0). */
  stepIndex?: number;
  /** Flagger: status.lastAppliedSpec, the revision under analysis. */
  revision?: string;
  /** Flagger: status.canaryWeight. */
  canaryWeight?: number;
  /** For people, e.g. `step 1 of 4, paused (CanaryPauseStep)` or `Progressing, canary weight 20%`. */
  summary: string;
}

/**
 * What the audit record of a controller action carries in `weightsAfter`
 * (its `weightsBefore` is the {@link ControllerStateAtRequest} before the
 * action). Such a record has action `argo-<action>` (e.g. `argo-promote`),
 * `flagger-open-gate` or `flagger-rollback`, `workload` `Rollout/<name>` or
 * `Canary/<name>`, and no `virtualService`.
 *
 * @public
 */
export interface ControllerActionRecordDetails {
  controller: ControllerTarget;
  action: ControllerAction;
  /** The action, for people, e.g. `Promote storefront: ends the pause (CanaryPauseStep).` */
  description: string;
  /** Argo: the JSON patches sent, in order. */
  patches?: Array<{ subresource?: 'status'; patch: unknown[] }>;
  /** Flagger: the gate opened (or `rollback`). */
  gate?: FlaggerGate;
}

/**
 * The operation types a promotion request may carry (those of
 * {@link RequestedChange}); the other operations are always direct.
 *
 * @public
 */
export const REQUESTABLE_OPERATION_TYPES: ReadonlyArray<
  RequestedChange['type']
> = ['set-weights', 'promote-next', 'promote-full', 'controller-action'];

/**
 * Where a promotion request is in its life. `approving` is held only while
 * the approved change is being applied; the final states never change.
 *
 * @public
 */
export const PROMOTION_REQUEST_STATUSES = [
  'pending',
  'approving',
  'applied',
  'rejected',
  'cancelled',
  'expired',
  'stale',
  'failed',
] as const;

/**
 * One of {@link PROMOTION_REQUEST_STATUSES}.
 *
 * @public
 */
export type PromotionRequestStatus =
  (typeof PROMOTION_REQUEST_STATUSES)[number];

/**
 * Whether `value` names a {@link PromotionRequestStatus}.
 *
 * @public
 */
export function isPromotionRequestStatus(
  value: string,
): value is PromotionRequestStatus {
  return (PROMOTION_REQUEST_STATUSES as ReadonlyArray<string>).includes(value);
}

/**
 * The statuses of a request not decided yet: waiting for an owner, or
 * approved and being applied. Every other status is final.
 *
 * @public
 */
export const OPEN_PROMOTION_REQUEST_STATUSES = [
  'pending',
  'approving',
] as const satisfies ReadonlyArray<PromotionRequestStatus>;

/**
 * One of {@link OPEN_PROMOTION_REQUEST_STATUSES}.
 *
 * @public
 */
export type OpenPromotionRequestStatus =
  (typeof OPEN_PROMOTION_REQUEST_STATUSES)[number];

/**
 * A status a request never leaves.
 *
 * @public
 */
export type FinalPromotionRequestStatus = Exclude<
  PromotionRequestStatus,
  OpenPromotionRequestStatus
>;

/**
 * Whether a request with this status is still open (see
 * {@link OPEN_PROMOTION_REQUEST_STATUSES}).
 *
 * @public
 */
export function isOpenPromotionRequestStatus(
  status: PromotionRequestStatus,
): status is OpenPromotionRequestStatus {
  return (
    OPEN_PROMOTION_REQUEST_STATUSES as ReadonlyArray<PromotionRequestStatus>
  ).includes(status);
}

/**
 * Body of `POST /entities/:namespace/:kind/:name/requests`: a route change
 * names its route; a controller action needs none (see
 * {@link CreateControllerPromotionRequest}).
 *
 * @public
 */
export type CreatePromotionRequest =
  | CreateRoutePromotionRequest
  | CreateControllerPromotionRequest;

/**
 * A request to change a route's traffic.
 *
 * @public
 */
export interface CreateRoutePromotionRequest {
  target: RouteTarget;
  change: RequestedRouteChange;
  /** Why; required, shown to the approvers. */
  reason: string;
}

/**
 * A request that a controller move its release on.
 *
 * @public
 */
export interface CreateControllerPromotionRequest {
  /**
   * Not needed: the request is shown on the route the controller drives,
   * which the backend finds; a target sent is replaced.
   */
  target?: RouteTarget;
  change: ControllerActionChange;
  /** Why; required, shown to the approvers. */
  reason: string;
}

/**
 * Whether a create body asks a controller to act rather than for a route
 * change (the body's own type follows its change's).
 *
 * @public
 */
export function isControllerPromotionRequest(
  body: CreatePromotionRequest,
): body is CreateControllerPromotionRequest {
  return body.change.type === 'controller-action';
}

/**
 * A request to move traffic, waiting for (or decided by) an owner.
 *
 * @public
 */
export interface PromotionRequest {
  id: string;
  entityRef: string;
  target: RouteTarget;
  change: RequestedChange;
  reason: string;
  status: PromotionRequestStatus;
  /** User entity ref of the requester. */
  requestedBy: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601; a pending request expires then. */
  expiresAt: string;
  /** The route when the request was made; approval applies only to this state. */
  before: RouteSnapshot;
  /** The route as the change would leave it, planned when the request was made. */
  plannedAfter: RouteSnapshot;
  /** The VirtualService's resourceVersion when the request was made. */
  resourceVersion: string;
  /** Who approved, rejected or cancelled it. */
  decidedBy?: string;
  decidedAt?: string;
  /** The approver's or rejecter's note. */
  decisionReason?: string;
  /** Why it went stale or failed. */
  message?: string;
  /** After `applied`: the VirtualService's new resourceVersion. */
  resourceVersionAfter?: string;
  /**
   * The canary analysis of the route, computed when a pending request is
   * listed: what the approver sees before deciding. Absent on decided
   * requests (the decision's audit record keeps the verdict the approver
   * saw), without metrics, or without a canary on the route.
   */
  analysis?: CanaryAnalysisView;
}

/**
 * A created request as its creator hears about it: with the warnings the
 * stored request does not keep (e.g. a failing canary analysis).
 *
 * @public
 */
export type CreatedPromotionRequest = PromotionRequest & {
  warnings?: RolloutWarning[];
};

/**
 * How this installation handles approvals (app-config `istioRollouts.approvals`).
 *
 * @public
 */
export interface ApprovalPolicy {
  /** A requester cannot approve their own request. */
  fourEyes: boolean;
  /** Owners (apply permission) change traffic directly; false: they request too. */
  ownersApplyDirectly: boolean;
  /** Pending requests expire after this many seconds. */
  requestTtlSeconds: number;
}

/**
 * Answer of `GET /entities/:namespace/:kind/:name/requests`.
 *
 * @public
 */
export interface PromotionRequestList {
  items: PromotionRequest[];
  policy: ApprovalPolicy;
  /**
   * Opaque topic of this entity's request signals: the tab refetches when a
   * signal on `istio-rollouts:requests` carries it. Signals go to everyone,
   * so they name no entity, request or status.
   */
  signalTopic?: string;
}

/**
 * Query of `GET /entities/:namespace/:kind/:name/requests` (`status` is
 * sent comma-separated).
 *
 * @public
 */
export interface PromotionRequestListQuery {
  /** Only these statuses; all when absent. */
  status?: PromotionRequestStatus[];
  /** At most this many, newest first. */
  limit?: number;
}

/**
 * Body of approve, reject (reason required) and cancel.
 *
 * @public
 */
export interface DecidePromotionRequest {
  reason?: string;
}

/**
 * How a write action ended. Dry runs are never recorded.
 *
 * - `observed`: not the plugin's action — a change to a route that the
 *   watch saw (kubectl, a GitOps tool, a rollout controller); `actor` is the
 *   field manager that made it.
 * - `unknown`: the cluster did not answer in time, so whether the write was
 *   applied is not known yet; the record is settled to `applied` or `failed`
 *   once the cluster answers again (see `message`).
 *
 * @public
 */
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/**
 * Every {@link AuditOutcome}, for validation and filters.
 *
 * @public
 */
export const AUDIT_OUTCOMES = [
  'applied',
  'failed',
  'denied',
  'stale',
  'expired',
  'observed',
  'unknown',
] as const;

/**
 * The outcomes of records whose change took effect on the cluster: the
 * plugin's applied writes and the changes the watch observed. Their
 * weights are what the route really carried.
 *
 * @public
 */
export const TRAFFIC_CHANGE_OUTCOMES = [
  'applied',
  'observed',
] as const satisfies ReadonlyArray<AuditOutcome>;

/**
 * One of {@link TRAFFIC_CHANGE_OUTCOMES}.
 *
 * @public
 */
export type TrafficChangeOutcome = (typeof TRAFFIC_CHANGE_OUTCOMES)[number];

/**
 * Whether a record with this outcome changed the cluster (see
 * {@link TRAFFIC_CHANGE_OUTCOMES}).
 *
 * @public
 */
export function isTrafficChangeOutcome(
  outcome: AuditOutcome,
): outcome is TrafficChangeOutcome {
  return (TRAFFIC_CHANGE_OUTCOMES as ReadonlyArray<AuditOutcome>).includes(
    outcome,
  );
}

/**
 * What an `unknown` outcome is settled to once the cluster answers.
 *
 * @public
 */
export type SettledAuditOutcome = Extract<AuditOutcome, 'applied' | 'failed'>;

/**
 * One record of the audit trail, as the API returns it.
 *
 * @public
 */
export interface AuditRecord {
  /** Opaque; increases with every record. */
  id: string;
  /** ISO 8601, millisecond precision. */
  createdAt: string;
  /**
   * User entity ref; absent for system actions such as an expiry. For an
   * `observed` change, the Kubernetes field manager that made it (e.g.
   * `kubectl-patch`, `argocd-controller`), or absent when unknown.
   */
  actor?: string;
  /** Who approved the promotion request behind the action. */
  approver?: string;
  /**
   * The entity the action was for. An `observed` change names the entity
   * the cluster binds the VirtualService to, or is empty when none (a
   * shared VirtualService); an entity's history also lists the observed
   * changes of the VirtualServices its view shows.
   */
  entityRef: string;
  /** e.g. `promote-next`, `rollback`, `scale`. */
  action: string;
  outcome: AuditOutcome;
  cluster: string;
  namespace: string;
  virtualService?: string;
  /** The kind of the routing object named by `virtualService`; absent for a VirtualService. */
  routeKind?: RoutingObjectKind;
  /** Scale actions: `Deployment/<name>`. */
  workload?: string;
  /** Index in `spec.http` or route name. */
  route?: string;
  /** A RouteSnapshot, or `{ replicas }` for a scale. */
  weightsBefore?: unknown;
  weightsAfter?: unknown;
  resourceVersionBefore?: string;
  resourceVersionAfter?: string;
  reason?: string;
  /** The error or refusal, for outcomes other than `applied`. */
  message?: string;
  /** The promotion request behind the action, if any. */
  requestId?: string;
}

/**
 * A page of audit records, newest first.
 *
 * @public
 */
export interface AuditRecordPage {
  items: AuditRecord[];
  /** Absent on the last page. */
  nextCursor?: string;
}

/**
 * Filters of `GET /audit` and `GET /audit/export` (combined with AND).
 *
 * @public
 */
export interface AuditQuery {
  entityRef?: string;
  actor?: string;
  action?: string;
  outcome?: AuditOutcome;
  /** Leave out `observed` changes (the plugin's own actions only). */
  hideObserved?: boolean;
  /** ISO 8601, inclusive. */
  from?: string;
  /** ISO 8601, exclusive. */
  to?: string;
  /** 1..500, default 50. */
  limit?: number;
  cursor?: string;
}

/**
 * Formats of `GET /audit/export`: CSV (one quoted row per record, under a
 * header row) or NDJSON (one JSON record per line).
 *
 * @public
 */
export const AUDIT_EXPORT_FORMATS = ['csv', 'ndjson'] as const;

/**
 * One of {@link AUDIT_EXPORT_FORMATS}.
 *
 * @public
 */
export type AuditExportFormat = (typeof AUDIT_EXPORT_FORMATS)[number];

/**
 * Filters of `GET /audit/export`: those of `GET /audit` without paging
 * (the export is the whole filtered trail).
 *
 * @public
 */
export type AuditExportQuery = Omit<AuditQuery, 'limit' | 'cursor'>;
