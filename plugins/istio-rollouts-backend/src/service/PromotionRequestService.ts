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
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { Config, readDurationFromConfig } from '@backstage/config';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { NotificationService } from '@backstage/plugin-notifications-node';
import { SignalsService } from '@backstage/plugin-signals-node';
import { JsonObject, durationToMilliseconds } from '@backstage/types';
import {
  ApprovalPolicy,
  CanaryAnalysisView,
  ControllerActionChange,
  CreatePromotionRequest,
  CreatedPromotionRequest,
  PromotionRequest,
  PromotionRequestStatus,
  RouteActionResult,
  RouteTarget,
  describeSplit,
  istioRolloutsApplyPermission,
  istioRolloutsRequestPermission,
  sameSplit,
  ISTIO_ROLLOUTS_REQUESTS_SIGNAL_CHANNEL,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import type { Request } from 'express';
import { NewAuditRecord } from '../database/AuditStore';
import { PromotionRequestStore } from '../database/PromotionRequestStore';
import { AuditTrail, routeKindOf } from './AuditTrail';
import {
  ControllerActionService,
  controllerAuditRecord,
  controllerOutcomeRecord,
} from './ControllerActionService';
import {
  DatabaseUnavailableError,
  isDatabaseUnavailable,
} from './databaseErrors';
import {
  RouteConflictError,
  StaleRequestError,
  WriteOutcomeUnknownError,
} from '../errors';
import { RouteActionService } from './RouteActionService';
import { SignalTopics } from './signalTopics';
import { sleep } from '../lib/sleep';

const DEFAULT_TTL_MS = 24 * 60 * 60 * 1000;
/** An approval still `approving` after this long lost its replica. */
const DEFAULT_ABANDONED_AFTER_MS = 10 * 60 * 1000;
// An applied approval whose request could not be updated (the database was
// unavailable) is retried in the background, with backoff, until then.
const BOOKKEEPING_FIRST_RETRY_MS = 1_000;
const BOOKKEEPING_MAX_RETRY_MS = 30_000;

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
 * The canary analysis of a request's route, fresh; undefined without
 * metrics or without a canary on that route. See routeAnalysisReader.
 */
export type RouteAnalysisReader = (
  entityRef: string,
  target: RouteTarget,
) => Promise<CanaryAnalysisView | undefined>;

/**
 * Promotion requests: a user without the right (or, by configuration,
 * anyone) asks the entity's owners to move traffic; an owner approves and
 * the change is applied — exactly once, and only if the route is still as
 * it was when the request was made — or rejects; the requester may cancel;
 * the scheduler expires what nobody decided.
 */
export class PromotionRequestService {
  private readonly now: () => Date;
  private readonly abandonedAfterMs: number;
  private readonly stopped = new AbortController();

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
  }

  /** Ends background retries (the backend stops). */
  stop() {
    this.stopped.abort();
  }

  get policy(): ApprovalPolicy {
    return this.options.policy;
  }

  /**
   * The topic of the entity's request signals: its request lists carry it,
   * as only those who may read them should recognise the entity's signals.
   */
  signalTopic(entityRef: CompoundEntityRef | string): string {
    return this.options.topics.request(entityRef);
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
    // One analysis per route, however many requests wait on it.
    const analyses = new Map<string, Promise<CanaryAnalysisView | undefined>>();
    return Promise.all(
      items.map(async request => {
        if (request.status !== 'pending') return request;
        const key = JSON.stringify([request.entityRef, request.target]);
        if (!analyses.has(key)) {
          analyses.set(key, this.analysisOf(request));
        }
        const analysis = await analyses.get(key);
        return analysis ? { ...request, analysis } : request;
      }),
    );
  }

  // The route's analysis, or undefined; never fails the caller: an
  // approval does not wait on Prometheus being up.
  private async analysisOf(
    request: Pick<PromotionRequest, 'entityRef' | 'target'>,
  ): Promise<CanaryAnalysisView | undefined> {
    const { analyses, logger } = this.options;
    if (!analyses) return undefined;
    try {
      return await analyses(request.entityRef, request.target);
    } catch (error) {
      logger.warn(
        `canary analysis of ${request.entityRef} ${request.target.cluster}/${request.target.namespace}/${request.target.virtualService} route ${request.target.route} not available: ${error}`,
      );
      return undefined;
    }
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
    const analysis = await this.analysisOf(created);
    if (!analysis) return created;
    return {
      ...created,
      analysis,
      ...(analysis.verdict === 'fail' && {
        warnings: [
          {
            code: 'canary-analysis-fail',
            severity: 'warning',
            message: `The canary analysis of this route fails (${
              analysis.reasons.join('; ') || 'no reason given'
            }); the request was made, and its approver sees the analysis.`,
          },
        ],
      }),
    };
  }

  private async createAudited(
    entityRef: CompoundEntityRef,
    body: CreatePromotionRequest,
    credentials: BackstageCredentials,
    httpRequest?: Request,
  ): Promise<PromotionRequest> {
    const requester = userOf(credentials);
    const ref = stringifyEntityRef(entityRef);
    const { change } = body;
    return this.options.auditTrail.attempt({
      eventId: 'promotion-request-create',
      request: httpRequest,
      record:
        change.type === 'controller-action'
          ? controllerAuditRecord({
              actor: requester,
              entityRef: ref,
              target: change.controller,
              action: change.action,
              reason: body.reason,
            })
          : {
              actor: requester,
              entityRef: ref,
              action: change.type,
              cluster: body.target.cluster,
              namespace: body.target.namespace,
              virtualService: body.target.virtualService,
              ...routeKindOf(body.target),
              route: body.target.route,
              reason: body.reason,
            },
      run: () =>
        change.type === 'controller-action'
          ? this.createControllerRequest(
              entityRef,
              ref,
              requester,
              { ...body, change },
              credentials,
            )
          : this.createRequest(entityRef, ref, requester, body, credentials),
    });
  }

  // A request that a controller move the release on: checked as a dry run
  // of the action under the request permission; it stores where the
  // controller is (approval applies only there) and, for display, the
  // route the controller drives and what its next step would make of it.
  private async createControllerRequest(
    entityRef: CompoundEntityRef,
    ref: string,
    requester: string,
    body: CreatePromotionRequest & { change: ControllerActionChange },
    credentials: BackstageCredentials,
  ): Promise<PromotionRequest> {
    const controllerActions = this.controllerActions();
    const change: ControllerActionChange = {
      type: 'controller-action',
      controller: body.change.controller,
      action: body.change.action,
    };
    const preview = await controllerActions.preview(
      entityRef,
      change,
      credentials,
    );
    return this.store(entityRef, ref, requester, {
      target: preview.target,
      change: { ...change, at: preview.at },
      reason: body.reason,
      before: preview.before,
      plannedAfter: preview.plannedAfter,
      resourceVersion: preview.resourceVersion,
    });
  }

  private controllerActions(): ControllerActionService {
    if (!this.options.controllerActions) {
      throw new NotFoundError(
        'Argo Rollouts and Flagger actions are not enabled in this backend',
      );
    }
    return this.options.controllerActions;
  }

  private async createRequest(
    entityRef: CompoundEntityRef,
    ref: string,
    requester: string,
    body: CreatePromotionRequest,
    credentials: BackstageCredentials,
  ): Promise<PromotionRequest> {
    const operation = body.change;
    if (operation.type === 'controller-action') {
      throw new InputError('A controller action is not a route change');
    }
    const preview = await this.options.actions.applyRouteAction(
      entityRef,
      { target: body.target, operation, dryRun: true },
      credentials,
      { permission: istioRolloutsRequestPermission },
    );
    if (sameSplit(preview.before, preview.after)) {
      throw new ConflictError(
        `The route already is ${describeSplit(
          preview.after,
        )}; there is nothing to request`,
      );
    }
    return this.store(entityRef, ref, requester, {
      target: body.target,
      change: body.change,
      reason: body.reason,
      before: preview.before,
      plannedAfter: preview.after,
      resourceVersion: preview.resourceVersionBefore,
    });
  }

  // Stores a checked request and tells the owners.
  private async store(
    entityRef: CompoundEntityRef,
    ref: string,
    requester: string,
    fields: Pick<
      PromotionRequest,
      | 'target'
      | 'change'
      | 'reason'
      | 'before'
      | 'plannedAfter'
      | 'resourceVersion'
    >,
  ): Promise<PromotionRequest> {
    const createdAt = this.now();
    const request = await this.options.store.create({
      entityRef: ref,
      ...fields,
      reason: fields.reason.trim(),
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
    await this.notify({
      recipients: ref,
      exclude: requester,
      request,
      title:
        request.change.type === 'controller-action'
          ? `Release step requested for ${entityRef.name}`
          : `Traffic change requested for ${entityRef.name}`,
      description: `${requester} asks to ${describe(request)}. Reason: ${
        request.reason
      }`,
    });
    await this.signal(request);
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
    const approver = userOf(credentials);
    const request = await this.mustGet(id);
    const record = auditRecordOf(request, approver);
    // A refused approval is the refused user's action: they are its actor,
    // and nobody approved anything.
    const refuse = async (error: Error) => {
      await this.options.auditTrail.record({
        eventId: 'promotion-request-approve',
        request: httpRequest,
        record: {
          ...record,
          actor: approver,
          approver: undefined,
          outcome: 'denied',
          message: error.message,
        },
      });
      return error;
    };
    if (!(await this.mayApply(request, credentials))) {
      throw await refuse(
        new NotAllowedError(
          `You may not approve traffic changes of ${request.entityRef} (permission ${istioRolloutsApplyPermission.name})`,
        ),
      );
    }
    if (this.policy.fourEyes && sameUser(approver, request.requestedBy)) {
      throw await refuse(
        new NotAllowedError(
          'Four-eyes rule: a request must be approved by someone other than its requester',
        ),
      );
    }
    this.assertPending(request);
    // What the approver saw, as near the decision as can be: recorded with
    // the approval (the reason and the auditor event), not stored.
    const analysis = await this.analysisOf(request);
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

    let result: AppliedResult;
    // The audit record of the write, when the database could not take it:
    // appended after the request is finished, never beside an abandoned
    // approval's record of the same write.
    let unstored: NewAuditRecord | undefined;
    try {
      result =
        request.change.type === 'controller-action'
          ? await this.applyControllerAction(
              request,
              request.change,
              decision,
              credentials,
              httpRequest,
              r => {
                unstored = r;
              },
            )
          : await this.applyRouteChange(
              request,
              decision,
              credentials,
              httpRequest,
              r => {
                unstored = r;
              },
            );
    } catch (error) {
      const stale = error instanceof StaleRequestError;
      // Sent, no answer: the request cannot wait in `approving` for the
      // cluster; it ends `failed`, as an abandoned approval does, and says
      // that the outcome is open and where it will be told.
      const message =
        error instanceof WriteOutcomeUnknownError
          ? unknownOutcomeMessage(error.auditRecordId)
          : String((error as Error)?.message ?? error);
      let failed: PromotionRequest;
      try {
        failed = await this.options.store.finishApproval(id, {
          status: stale ? 'stale' : 'failed',
          message,
        });
      } catch (bookkeeping) {
        // The database went away: the request stays `approving` until the
        // expiry task fails it as abandoned and checks its write on the
        // cluster; the caller hears what happened to the change.
        if (!isDatabaseUnavailable(bookkeeping)) throw bookkeeping;
        this.options.logger.warn(
          `approval of request ${id} ended (${message}), but the request could not be updated: ${bookkeeping}`,
        );
        throw error;
      }
      await this.decided(failed);
      throw error;
    }
    // Outside the try: traffic has moved, so whatever happens to this
    // bookkeeping, the request must never be marked failed.
    let finished: PromotionRequest;
    try {
      finished = await this.finishApplied(id, result, unstored);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      this.options.logger.warn(
        `request ${id} was applied, but the plugin's database is unavailable to record it; retrying: ${error}`,
      );
      this.finishAppliedLater(id, result, unstored);
      throw new DatabaseUnavailableError(
        `The change was applied to the cluster (${describe(
          request,
        )}), but the plugin's database is unavailable, so request ${id} and its audit record are not updated yet: the plugin records them as soon as the database is back. Do not approve or request it again.`,
        true,
      );
    }
    return analysis ? { ...finished, analysis } : finished;
  }

  // The approved route change, as the approver, only onto the route as it
  // was requested.
  private async applyRouteChange(
    request: PromotionRequest,
    record: DecisionRecord,
    credentials: BackstageCredentials,
    httpRequest: Request | undefined,
    unstored: (record: NewAuditRecord) => void,
  ): Promise<AppliedResult> {
    if (request.change.type === 'controller-action') {
      throw new InputError('Not a route change');
    }
    const operation = request.change;
    return this.options.auditTrail.run<RouteActionResult>({
      eventId: 'promotion-request-approve',
      request: httpRequest,
      record: record.row,
      meta: record.meta,
      // The claim was a write to the same database a moment ago.
      storeJustUsed: true,
      unstored,
      run: () =>
        this.options.actions
          .applyRouteAction(
            parseEntityRef(request.entityRef),
            {
              target: request.target,
              operation,
              reason: request.reason,
            },
            credentials,
            {
              expectRoute: request.before,
              expectAfter: request.plannedAfter,
            },
          )
          .catch(error => {
            // The route moved between our fresh read and the patch (the
            // router's conflicts carry the route as it is now; refusals
            // such as a route now driven by Argo Rollouts do not).
            if (error instanceof RouteConflictError && error.current) {
              throw new StaleRequestError(
                `The route changed while the approved change was being applied; nothing was applied. ${error.message}`,
                error.current,
              );
            }
            throw error;
          }),
      outcome: r => ({
        weightsBefore: r.before,
        weightsAfter: r.after,
        resourceVersionBefore: r.resourceVersionBefore,
        resourceVersionAfter: r.resourceVersionAfter,
      }),
    });
  }

  // The approved controller action, as the approver (their apply
  // permission; four-eyes was checked), only while the controller is where
  // it was when the action was requested.
  private async applyControllerAction(
    request: PromotionRequest,
    change: ControllerActionChange,
    record: DecisionRecord,
    credentials: BackstageCredentials,
    httpRequest: Request | undefined,
    unstored: (record: NewAuditRecord) => void,
  ): Promise<AppliedResult> {
    const controllerActions = this.controllerActions();
    const outcome = await this.options.auditTrail.run({
      eventId: 'promotion-request-approve',
      request: httpRequest,
      record: record.row,
      meta: record.meta,
      storeJustUsed: true,
      unstored,
      run: async () => {
        if (!change.at) {
          // Stored before the backend kept the controller's state: what
          // the requester saw cannot be checked.
          throw new StaleRequestError(
            'The request does not say where the controller was when it was made; nothing was applied. Request it again.',
          );
        }
        return controllerActions
          .act(
            parseEntityRef(request.entityRef),
            {
              target: change.controller,
              action: change.action,
              reason: request.reason,
            },
            credentials,
            { expect: change.at },
          )
          .catch(error => {
            // A Rollout changed between our fresh read and the patch.
            if (error instanceof ConflictError) {
              throw new StaleRequestError(
                `The release changed while the approved action was being applied. ${error.message}`,
              );
            }
            throw error;
          });
      },
      outcome: controllerOutcomeRecord,
    });
    return outcome.result;
  }

  // The request of an applied approval becomes `applied`, then the audit
  // record the database could not take during the write is appended.
  private async finishApplied(
    id: string,
    result: AppliedResult,
    unstored: NewAuditRecord | undefined,
  ): Promise<PromotionRequest> {
    const finished = await this.options.store.finishApproval(id, {
      status: 'applied',
      resourceVersionAfter: result.resourceVersionAfter,
    });
    if (unstored) await this.options.auditTrail.keep(unstored);
    await this.decided(finished);
    return finished;
  }

  private finishAppliedLater(
    id: string,
    result: AppliedResult,
    unstored: NewAuditRecord | undefined,
  ) {
    const { logger } = this.options;
    const attempt = async (delay: number): Promise<void> => {
      await sleep(delay, this.stopped.signal);
      if (this.stopped.signal.aborted) return;
      try {
        await this.finishApplied(id, result, unstored);
        logger.info(
          `recorded request ${id} as applied now that the database is back`,
        );
      } catch (error) {
        if (isDatabaseUnavailable(error)) {
          await attempt(Math.min(delay * 2, BOOKKEEPING_MAX_RETRY_MS));
        } else if (error instanceof NotFoundError) {
          // No longer `approving`: the expiry task failed it as abandoned
          // and recorded the write as unknown; the reconciler finds it
          // applied and corrects the request.
          logger.info(
            `request ${id} was taken over as an abandoned approval; its write is settled from the cluster`,
          );
        } else {
          logger.error(`could not record request ${id} as applied: ${error}`);
        }
      }
    };
    attempt(BOOKKEEPING_FIRST_RETRY_MS).catch(error =>
      logger.error(`could not record request ${id} as applied: ${error}`),
    );
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
          ...auditRecordOf(request),
          actor: undefined,
          outcome: 'expired',
          message: `Request ${request.id} by ${request.requestedBy} expired at ${request.expiresAt} without a decision; nothing was applied`,
        },
      });
      await this.decided(request);
    }
    const abandoned = await this.options.store.failAbandoned(
      new Date(now.getTime() - this.abandonedAfterMs),
      `The backend applying this approval stopped before it finished. ${unknownOutcomeMessage()}`,
    );
    for (const request of abandoned) {
      // The write and its record landed, and only the request was not
      // updated (the replica stopped, or its database went away, after the
      // write): the record says applied, so the request does too — no
      // second record.
      const applied = await this.options.auditTrail.appliedRecordOf(request.id);
      if (applied) {
        const corrected = await this.options.store.settleUnknownApproval(
          request.id,
          {
            message: `Applied: the change was made and recorded (audit record ${applied.id}) before the backend applying it stopped.`,
            resourceVersionAfter: applied.resourceVersionAfter,
          },
        );
        if (corrected) await this.decided(corrected);
        continue;
      }
      // Its write may or may not have reached the cluster: an `unknown`
      // record with the planned split, which the plugin settles by reading
      // the route (unchanged resourceVersion since the request: not applied).
      await this.options.auditTrail.record({
        eventId: 'promotion-request-approve',
        record: {
          ...auditRecordOf(request, request.decidedBy),
          weightsAfter: request.plannedAfter,
          outcome: 'unknown',
          message: request.message,
        },
      });
      await this.decided(request);
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
    const user = userOf(credentials);
    const request = await this.mustGet(id);
    const verb = status === 'rejected' ? 'reject' : 'cancel';
    // A rejection is a decision too: the analysis the owner saw goes with
    // its auditor event (a successful rejection has no row of its own).
    const analysis =
      status === 'rejected' && request.status === 'pending'
        ? await this.analysisOf(request)
        : undefined;
    return this.options.auditTrail.attempt({
      eventId: `promotion-request-${verb}`,
      request: httpRequest,
      record: {
        ...auditRecordOf(request),
        actor: user,
        action: `${verb}-request`,
        message: reason,
      },
      meta: analysis && { analysis: analysis as unknown as JsonObject },
      run: async () => {
        if (status === 'rejected') {
          if (!(await this.mayApply(request, credentials))) {
            throw new NotAllowedError(
              `You may not reject traffic changes of ${request.entityRef} (permission ${istioRolloutsApplyPermission.name})`,
            );
          }
          if (!reason?.trim()) {
            throw new InputError('A rejection needs a reason');
          }
        } else if (!sameUser(request.requestedBy, user)) {
          throw new NotAllowedError(
            `Only the requester (${request.requestedBy}) can cancel request ${id}`,
          );
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
        await this.decided(closed);
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

  private async mayApply(
    request: PromotionRequest,
    credentials: BackstageCredentials,
  ): Promise<boolean> {
    const [decision] = await this.options.permissions.authorize(
      [
        {
          permission: istioRolloutsApplyPermission,
          resourceRef: request.entityRef,
        },
      ],
      { credentials },
    );
    return decision.result === AuthorizeResult.ALLOW;
  }

  private async mustGet(id: string): Promise<PromotionRequest> {
    const request = await this.options.store.get(id);
    if (!request) throw new NotFoundError(`Promotion request ${id} not found`);
    return request;
  }

  // The requester hears about every decision but their own cancel.
  private async decided(request: PromotionRequest) {
    if (request.status !== 'cancelled') {
      const by = request.decidedBy ? ` by ${request.decidedBy}` : '';
      const what: Record<string, string> = {
        applied: `was approved${by} and applied`,
        rejected: `was rejected${by}${
          request.decisionReason ? `: ${request.decisionReason}` : ''
        }`,
        stale: `was approved${by} but not applied: ${
          request.change.type === 'controller-action'
            ? 'the release moved on'
            : 'the route changed'
        } since the request`,
        failed: `was approved${by} but could not be applied: ${
          request.message ?? 'unknown error'
        }`,
        expired: 'expired without a decision',
      };
      await this.notify({
        recipients: request.requestedBy,
        request,
        title: `Your ${
          request.change.type === 'controller-action'
            ? 'release step'
            : 'traffic change'
        } request ${
          request.status === 'applied' ? 'was applied' : `is ${request.status}`
        }`,
        description: `Your request to ${describe(request)} ${
          what[request.status] ?? request.status
        }.`,
      });
    }
    await this.signal(request);
  }

  private async notify(args: {
    recipients: string;
    exclude?: string;
    request: PromotionRequest;
    title: string;
    description: string;
  }) {
    const { notifications, entityLink, logger } = this.options;
    if (!notifications) return;
    const entity = parseEntityRef(args.request.entityRef);
    try {
      await notifications.send({
        recipients: {
          type: 'entity',
          entityRef: args.recipients,
          ...(args.exclude ? { excludeEntityRef: args.exclude } : {}),
        },
        payload: {
          title: args.title,
          description: args.description,
          link: entityLink?.(entity),
          severity: 'normal',
          topic: 'istio-rollouts',
          // One notification per request, updated as it moves on.
          scope: `istio-rollouts:request:${args.request.id}:${args.recipients}`,
        },
      });
    } catch (error) {
      logger.warn(
        `could not notify ${args.recipients} about request ${args.request.id}: ${error}`,
      );
    }
  }

  private async signal(request: PromotionRequest) {
    try {
      await this.options.signals?.publish({
        recipients: { type: 'broadcast' },
        channel: ISTIO_ROLLOUTS_REQUESTS_SIGNAL_CHANNEL,
        // Broadcast: the entity's opaque topic, never its name or the status.
        message: { topic: this.signalTopic(request.entityRef) },
      });
    } catch (error) {
      this.options.logger.warn(`could not publish request signal: ${error}`);
    }
  }
}

function userOf(credentials: BackstageCredentials): string {
  const principal = credentials.principal as {
    type?: string;
    userEntityRef?: string;
  };
  if (principal.type !== 'user' || !principal.userEntityRef) {
    throw new NotAllowedError('Promotion requests are made by signed-in users');
  }
  return principal.userEntityRef;
}

/**
 * Whether two user entity refs name the same user: refs are compared
 * normalised (`kind:namespace/name`) and case-insensitively, as the catalog
 * compares them.
 */
function sameUser(a: string, b: string): boolean {
  const normalize = (ref: string) => {
    try {
      return stringifyEntityRef(parseEntityRef(ref)).toLocaleLowerCase('en-US');
    } catch {
      return ref.toLocaleLowerCase('en-US');
    }
  };
  return normalize(a) === normalize(b);
}

/** What an approval hands back: the new resourceVersion, if any. */
interface AppliedResult {
  resourceVersionAfter?: string;
}

function auditRecordOf(
  request: PromotionRequest,
  approver?: string,
): Omit<NewAuditRecord, 'outcome'> {
  const { change } = request;
  if (change.type === 'controller-action') {
    // About the Rollout or Canary, like the direct action's record.
    return {
      ...controllerAuditRecord({
        actor: request.requestedBy,
        approver,
        entityRef: request.entityRef,
        target: change.controller,
        action: change.action,
        reason: request.reason,
        requestId: request.id,
      }),
      ...(change.at
        ? {
            weightsBefore: change.at,
            resourceVersionBefore: change.at.resourceVersion,
          }
        : {}),
    };
  }
  return {
    actor: request.requestedBy,
    approver,
    entityRef: request.entityRef,
    action: request.change.type,
    cluster: request.target.cluster,
    namespace: request.target.namespace,
    virtualService: request.target.virtualService,
    ...routeKindOf(request.target),
    route: request.target.route,
    weightsBefore: request.before,
    resourceVersionBefore: request.resourceVersion,
    reason: request.reason,
    requestId: request.id,
  };
}

const ARGO_VERBS: Record<string, string> = {
  'promote-full': 'fully promote',
  retry: 'retry',
  resume: 'resume',
};

function describe(request: PromotionRequest): string {
  const { target, change } = request;
  if (change.type === 'controller-action') {
    const { controller, action } = change;
    const object = `${controller.kind} ${controller.namespace}/${controller.name}`;
    let what = `roll back ${object}`;
    if (action.type === 'flagger-open-gate') {
      what = `open gate ${action.gate} of ${object}`;
    } else if (action.type === 'argo') {
      what =
        action.action === 'promote'
          ? `promote ${object} one step`
          : `${ARGO_VERBS[action.action] ?? action.action} ${object}`;
    }
    return `${what} on ${controller.cluster} (${target.namespace}/${
      target.virtualService
    } route ${target.route}: ${describeSplit(
      request.before,
    )} now, ${describeSplit(request.plannedAfter)} after its next step)`;
  }
  return `move ${target.kind ?? 'VirtualService'} ${target.namespace}/${
    target.virtualService
  } route ${target.route} on ${target.cluster} from ${describeSplit(
    request.before,
  )} to ${describeSplit(request.plannedAfter)}`;
}

// The message of a request whose write ended without an answer.
function unknownOutcomeMessage(auditRecordId?: string): string {
  return `The cluster did not confirm the change: it is not known yet whether it was applied. The plugin checks when the cluster answers again, and the History/audit record${
    auditRecordId ? ` ${auditRecordId}` : ''
  } will say; check the route before requesting again.`;
}

/** The audit row of a decision, and what its auditor event adds. */
interface DecisionRecord {
  row: Omit<NewAuditRecord, 'outcome'>;
  meta?: JsonObject;
}

// The row has no column for the analysis: its verdict and reasons go into
// the reason, in brackets after the requester's (as the unready-pods
// override does), and the whole analysis into the auditor event.
function withAnalysis(
  row: Omit<NewAuditRecord, 'outcome'>,
  analysis: CanaryAnalysisView | undefined,
  verb: string,
): DecisionRecord {
  if (!analysis) return { row };
  const reasons = analysis.reasons.length
    ? `: ${analysis.reasons.join('; ')}`
    : '';
  return {
    row: {
      ...row,
      reason: `${row.reason ?? ''} [canary analysis when ${verb}: ${
        analysis.verdict
      }${reasons}]`.trim(),
    },
    meta: { analysis: analysis as unknown as JsonObject },
  };
}
