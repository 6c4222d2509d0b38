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

import {
  BackstageCredentials,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  CompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { Config, readDurationFromConfig } from '@backstage/config';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import { NotificationService } from '@backstage/plugin-notifications-node';
import { SignalsService } from '@backstage/plugin-signals-node';
import { JsonObject, durationToMilliseconds } from '@backstage/types';
import {
  ApprovalPolicy,
  CreatePromotionRequest,
  CreatedPromotionRequest,
  PromotionRequest,
  PromotionRequestStatus,
  describeSplit,
  isControllerPromotionRequest,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import type { Request } from 'express';
import { PromotionRequestStore } from '../database/PromotionRequestStore';
import { ApprovedRequestApplier } from './ApprovedRequestApplier';
import { AuditTrail, routeKindOf } from './AuditTrail';
import {
  ControllerActionService,
  controllerAuditRecord,
} from './ControllerActionService';
import {
  PromotionRequestAnalyses,
  RouteAnalysisReader,
  createdWithAnalysis,
} from './PromotionRequestAnalyses';
import {
  PromotionRequestDeciders,
  signedInUser,
} from './PromotionRequestDeciders';
import { unknownOutcomeMessage } from './promotionRequestMessages';
import { PromotionRequestNotifier } from './PromotionRequestNotifier';
import {
  PlannedChange,
  PromotionRequestPlanner,
} from './PromotionRequestPlanner';
import { requestAuditRecord, withAnalysis } from './requestAuditRecords';
import { RouteActionService } from './RouteActionService';
import { SignalTopics } from './signalTopics';

// Where routeAnalysisReader (and so plugin.ts) finds the reader's type.
export type { RouteAnalysisReader } from './PromotionRequestAnalyses';

const DEFAULT_TTL_MS = 24 * 60 * 60 * 1000;
/** An approval still `approving` after this long lost its replica. */
const DEFAULT_ABANDONED_AFTER_MS = 10 * 60 * 1000;

/**
 * `istioRollouts.approvals.abandonedAfter`: how long an approval may stay
 * `approving` before it is taken to have lost its replica (default 10 min).
 */
export function readAbandonedAfterMs(config: Config): number {
  const key = 'istioRollouts.approvals.abandonedAfter';
  if (!config.has(key)) return DEFAULT_ABANDONED_AFTER_MS;
  const ms = durationToMilliseconds(readDurationFromConfig(config, { key }));
  if (!(ms > 0)) throw new Error(`${key} must be positive`);
  return ms;
}

/** Reads `istioRollouts.approvals` (see config.d.ts). */
export function readApprovalPolicy(config: Config): ApprovalPolicy {
  const approvals = config.getOptionalConfig('istioRollouts.approvals');
  const ttlMs = approvals?.has('requestTtl')
    ? durationToMilliseconds(
        readDurationFromConfig(approvals, { key: 'requestTtl' }),
      )
    : DEFAULT_TTL_MS;
  if (!(ttlMs > 0)) {
    throw new Error('istioRollouts.approvals.requestTtl must be positive');
  }
  return {
    fourEyes: approvals?.getOptionalBoolean('fourEyes') ?? true,
    ownersApplyDirectly:
      approvals?.getOptionalBoolean('ownersApplyDirectly') ?? true,
    requestTtlSeconds: Math.round(ttlMs / 1000),
  };
}

/**
 * Promotion requests: a user without the right (or, by configuration,
 * anyone) asks the entity's owners to move traffic; an owner approves and
 * the change is applied — exactly once, and only if the route is still as
 * it was when the request was made — or rejects; the requester may cancel;
 * the scheduler expires what nobody decided.
 *
 * This service owns a request's states and the audit of each move between
 * them; it hands the rest on: what a change would do to the
 * PromotionRequestPlanner, who may decide to the PromotionRequestDeciders,
 * applying an approval to the ApprovedRequestApplier, the canary analysis
 * to PromotionRequestAnalyses, who is told what to the
 * PromotionRequestNotifier.
 */
export class PromotionRequestService {
  private readonly now: () => Date;
  private readonly abandonedAfterMs: number;
  private readonly planner: PromotionRequestPlanner;
  private readonly deciders: PromotionRequestDeciders;
  private readonly applier: ApprovedRequestApplier;
  private readonly analyses: PromotionRequestAnalyses;
  private readonly notifier: PromotionRequestNotifier;

  constructor(
    private readonly options: {
      store: PromotionRequestStore;
      actions: RouteActionService;
      /** Requests that Argo Rollouts or Flagger move a release on. */
      controllerActions?: ControllerActionService;
      permissions: PermissionsService;
      auditTrail: AuditTrail;
      policy: ApprovalPolicy;
      /** See readAbandonedAfterMs; default 10 minutes. */
      abandonedAfterMs?: number;
      logger: LoggerService;
      notifications?: NotificationService;
      signals?: SignalsService;
      /** Turns entities into the opaque topics of request signals. */
      topics: SignalTopics;
      /** The frontend path of an entity's tab, for notification links. */
      entityLink?: (entityRef: CompoundEntityRef) => string;
      /**
       * The canary analysis of a route: pending requests carry it when
       * listed, approvals and rejections record it. Without it, neither.
       */
      analyses?: RouteAnalysisReader;
      now?: () => Date;
    },
  ) {
    this.now = options.now ?? (() => new Date());
    this.abandonedAfterMs =
      options.abandonedAfterMs ?? DEFAULT_ABANDONED_AFTER_MS;
    const { store, actions, controllerActions, auditTrail, logger } = options;
    this.planner = new PromotionRequestPlanner({ actions, controllerActions });
    this.deciders = new PromotionRequestDeciders({
      permissions: options.permissions,
      policy: options.policy,
    });
    this.notifier = new PromotionRequestNotifier({
      notifications: options.notifications,
      signals: options.signals,
      topics: options.topics,
      entityLink: options.entityLink,
      logger,
    });
    this.analyses = new PromotionRequestAnalyses({
      reader: options.analyses,
      logger,
    });
    this.applier = new ApprovedRequestApplier({
      store,
      actions,
      controllerActions,
      auditTrail,
      notifier: this.notifier,
      logger,
    });
  }

  /** Ends background retries (the backend stops). */
  stop() {
    this.applier.stop();
  }

  get policy(): ApprovalPolicy {
    return this.options.policy;
  }

  /**
   * The topic of the entity's request signals: its request lists carry it,
   * as only those who may read them should recognise the entity's signals.
   */
  signalTopic(entityRef: CompoundEntityRef | string): string {
    return this.notifier.signalTopic(entityRef);
  }

  /**
   * Newest first; pending requests carry the canary analysis of their
   * route as it is now (computed, not stored).
   */
  async list(
    entityRef: CompoundEntityRef,
    options: { statuses?: PromotionRequestStatus[]; limit?: number },
  ): Promise<PromotionRequest[]> {
    const items = await this.options.store.list({
      entityRef: stringifyEntityRef(entityRef),
      ...options,
    });
    return this.analyses.ofPending(items);
  }

  /**
   * Validates the change as a dry run under the request permission (so a
   * request that could never apply is refused now, with the same 4xx a
   * direct change would get), then stores it and tells the owners. A
   * request made while the route's canary analysis fails is made all the
   * same (the approver decides, seeing the analysis), with a warning.
   */
  async create(
    entityRef: CompoundEntityRef,
    body: CreatePromotionRequest,
    credentials: BackstageCredentials,
    httpRequest?: Request,
  ): Promise<CreatedPromotionRequest> {
    const created = await this.createAudited(
      entityRef,
      body,
      credentials,
      httpRequest,
    );
    return createdWithAnalysis(created, await this.analyses.of(created));
  }

  private async createAudited(
    entityRef: CompoundEntityRef,
    body: CreatePromotionRequest,
    credentials: BackstageCredentials,
    httpRequest?: Request,
  ): Promise<PromotionRequest> {
    const requester = signedInUser(credentials);
    const ref = stringifyEntityRef(entityRef);
    return this.options.auditTrail.attempt({
      eventId: 'promotion-request-create',
      request: httpRequest,
      record: isControllerPromotionRequest(body)
        ? controllerAuditRecord({
            actor: requester,
            entityRef: ref,
            target: body.change.controller,
            action: body.change.action,
            reason: body.reason,
          })
        : {
            actor: requester,
            entityRef: ref,
            action: body.change.type,
            cluster: body.target.cluster,
            namespace: body.target.namespace,
            virtualService: body.target.virtualService,
            ...routeKindOf(body.target),
            route: body.target.route,
            reason: body.reason,
          },
      run: async () =>
        this.store(
          entityRef,
          ref,
          requester,
          await this.planner.plan(entityRef, body, credentials),
        ),
    });
  }

  // Stores a checked request and tells the owners.
  private async store(
    entityRef: CompoundEntityRef,
    ref: string,
    requester: string,
    planned: PlannedChange,
  ): Promise<PromotionRequest> {
    const createdAt = this.now();
    const request = await this.options.store.create({
      entityRef: ref,
      ...planned,
      reason: planned.reason.trim(),
      requestedBy: requester,
      createdAt: createdAt.toISOString(),
      expiresAt: new Date(
        createdAt.getTime() + this.policy.requestTtlSeconds * 1000,
      ).toISOString(),
    });
    this.options.logger.info(
      `promotion request ${
        request.id
      } by ${requester} for ${ref}: ${describeSplit(
        request.before,
      )} -> ${describeSplit(request.plannedAfter)}`,
    );
    await this.notifier.requested(request, entityRef.name);
    return request;
  }

  /**
   * Applies an approved request. The claim (pending → approving) is a
   * conditional update: of two replicas approving at once, one applies,
   * the other answers 409. The change itself is planned on the route read
   * fresh from the API server and refused as stale if the split moved since
   * the request; the patch's own `test`s catch a change in between.
   */
  async approve(
    id: string,
    reason: string | undefined,
    credentials: BackstageCredentials,
    httpRequest?: Request,
  ): Promise<PromotionRequest> {
    const approver = signedInUser(credentials);
    const request = await this.mustGet(id);
    const record = requestAuditRecord(request, approver);
    const refusal = await this.deciders.approvalRefusal(
      request,
      approver,
      credentials,
    );
    if (refusal) {
      // A refused approval is the refused user's action: they are its
      // actor, and nobody approved anything.
      await this.options.auditTrail.record({
        eventId: 'promotion-request-approve',
        request: httpRequest,
        record: {
          ...record,
          actor: approver,
          approver: undefined,
          outcome: 'denied',
          message: refusal.message,
        },
      });
      throw refusal;
    }
    this.assertPending(request);
    // What the approver saw, as near the decision as can be: recorded with
    // the approval (the reason and the auditor event), not stored.
    const analysis = await this.analyses.of(request);
    const decision = withAnalysis(record, analysis, 'approved');
    const claimed = await this.options.store.claimForApproval(
      id,
      approver,
      reason?.trim() || undefined,
      this.now(),
    );
    if (!claimed) {
      const now = await this.mustGet(id);
      throw new ConflictError(
        now.status === 'pending'
          ? `Request ${id} expired; nothing was applied`
          : `Request ${id} was ${now.status} meanwhile${
              now.decidedBy ? ` by ${now.decidedBy}` : ''
            }; nothing was applied`,
      );
    }
    const finished = await this.applier.apply(
      request,
      decision,
      credentials,
      httpRequest,
    );
    return analysis ? { ...finished, analysis } : finished;
  }

  async reject(
    id: string,
    reason: string,
    credentials: BackstageCredentials,
    httpRequest?: Request,
  ): Promise<PromotionRequest> {
    return this.closeAudited(id, 'rejected', reason, credentials, httpRequest);
  }

  async cancel(
    id: string,
    reason: string | undefined,
    credentials: BackstageCredentials,
    httpRequest?: Request,
  ): Promise<PromotionRequest> {
    return this.closeAudited(id, 'cancelled', reason, credentials, httpRequest);
  }

  /**
   * Expires pending requests past their time, and fails approvals whose
   * replica stopped mid-way. Run by the scheduler with global scope; the
   * conditional updates make a concurrent run harmless anyway.
   */
  async expireDue(): Promise<{ expired: number; abandoned: number }> {
    const now = this.now();
    const expired = await this.options.store.expireDue(now);
    for (const request of expired) {
      await this.options.auditTrail.record({
        eventId: 'promotion-request-expire',
        record: {
          ...requestAuditRecord(request),
          actor: undefined,
          outcome: 'expired',
          message: `Request ${request.id} by ${request.requestedBy} expired at ${request.expiresAt} without a decision; nothing was applied`,
        },
      });
      await this.notifier.decided(request);
    }
    const abandoned = await this.options.store.failAbandoned(
      new Date(now.getTime() - this.abandonedAfterMs),
      `The backend applying this approval stopped before it finished. ${unknownOutcomeMessage()}`,
    );
    for (const request of abandoned) {
      await this.applier.settleAbandoned(request);
    }
    return { expired: expired.length, abandoned: abandoned.length };
  }

  // Reject (an owner, with a reason) or cancel (the requester): nothing is
  // written to a cluster, so success is an auditor event and the request's
  // own record; a refused attempt is also a denied row of the trail.
  private async closeAudited(
    id: string,
    status: 'rejected' | 'cancelled',
    reason: string | undefined,
    credentials: BackstageCredentials,
    httpRequest?: Request,
  ): Promise<PromotionRequest> {
    const user = signedInUser(credentials);
    const request = await this.mustGet(id);
    const verb = status === 'rejected' ? 'reject' : 'cancel';
    // A rejection is a decision too: the analysis the owner saw goes with
    // its auditor event (a successful rejection has no row of its own).
    const analysis =
      status === 'rejected' && request.status === 'pending'
        ? await this.analyses.of(request)
        : undefined;
    return this.options.auditTrail.attempt({
      eventId: `promotion-request-${verb}`,
      request: httpRequest,
      record: {
        ...requestAuditRecord(request),
        actor: user,
        action: `${verb}-request`,
        message: reason,
      },
      meta: analysis && { analysis: analysis as unknown as JsonObject },
      run: async () => {
        if (status === 'rejected') {
          const refusal = await this.deciders.rejectionRefusal(
            request,
            credentials,
          );
          if (refusal) throw refusal;
          if (!reason?.trim()) {
            throw new InputError('A rejection needs a reason');
          }
        } else {
          const refusal = this.deciders.cancellationRefusal(request, user);
          if (refusal) throw refusal;
        }
        this.assertPending(request);
        const closed = await this.options.store.close(id, {
          status,
          by: user,
          reason: reason?.trim() || undefined,
          now: this.now(),
        });
        if (!closed) {
          const now = await this.mustGet(id);
          throw new ConflictError(
            `Request ${id} was ${now.status} meanwhile${
              now.decidedBy ? ` by ${now.decidedBy}` : ''
            }`,
          );
        }
        await this.notifier.decided(closed);
        return closed;
      },
    });
  }

  private assertPending(request: PromotionRequest) {
    if (request.status !== 'pending') {
      throw new ConflictError(
        `Request ${request.id} is ${request.status}${
          request.decidedBy ? ` (by ${request.decidedBy})` : ''
        }, no longer pending`,
      );
    }
    if (Date.parse(request.expiresAt) <= this.now().getTime()) {
      throw new ConflictError(
        `Request ${request.id} expired at ${request.expiresAt}`,
      );
    }
  }

  private async mustGet(id: string): Promise<PromotionRequest> {
    const request = await this.options.store.get(id);
    if (!request) throw new NotFoundError(`Promotion request ${id} not found`);
    return request;
  }
}
