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
} from '@backstage/backend-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  ControllerActionChange,
  PromotionRequest,
  RouteActionResult,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import type { Request } from 'express';
import { NewAuditRecord } from '../database/AuditStore';
import { PromotionRequestStore } from '../database/PromotionRequestStore';
import {
  RouteConflictError,
  StaleRequestError,
  WriteOutcomeUnknownError,
} from '../errors';
import { sleep } from '../lib/sleep';
import { AuditTrail } from './AuditTrail';
import {
  ControllerActionService,
  controllerOutcomeRecord,
} from './ControllerActionService';
import {
  DatabaseUnavailableError,
  isDatabaseUnavailable,
} from './databaseErrors';
import { PromotionRequestNotifier } from './PromotionRequestNotifier';
import { enabledControllerActions } from './PromotionRequestPlanner';
import {
  describeRequest,
  unknownOutcomeMessage,
} from './promotionRequestMessages';
import { DecisionRecord, requestAuditRecord } from './requestAuditRecords';
import { RouteActionService } from './RouteActionService';

// An applied approval whose request could not be updated (the database was
// unavailable) is retried in the background, with backoff, until then.
const BOOKKEEPING_FIRST_RETRY_MS = 1_000;
const BOOKKEEPING_MAX_RETRY_MS = 30_000;

/** What an approval hands back: the new resourceVersion, if any. */
interface AppliedResult {
  resourceVersionAfter?: string;
}

/**
 * Applies approved requests, once each: the change, as the approver, only
 * onto the state that was requested, then the request's outcome (`applied`,
 * or `stale` or `failed` saying why), its audit record and the requester's
 * notice. Once traffic has moved, the request is never marked failed: what
 * the database cannot take then is recorded when it is back, and an
 * approval whose replica stopped mid-way is settled from its audit record.
 */
export class ApprovedRequestApplier {
  private readonly stopped = new AbortController();

  constructor(
    private readonly options: {
      store: PromotionRequestStore;
      actions: RouteActionService;
      controllerActions?: ControllerActionService;
      auditTrail: AuditTrail;
      notifier: PromotionRequestNotifier;
      logger: LoggerService;
    },
  ) {}

  /** Ends background retries (the backend stops). */
  stop() {
    this.stopped.abort();
  }

  /**
   * Applies a request this replica has claimed for approval (`approving`)
   * and finishes it; throws what kept it from applying, after recording it.
   * `decision` is the approval's audit record.
   */
  async apply(
    request: PromotionRequest,
    decision: DecisionRecord,
    credentials: BackstageCredentials,
    httpRequest?: Request,
  ): Promise<PromotionRequest> {
    const { id } = request;
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
      await this.options.notifier.decided(failed);
      throw error;
    }
    // Outside the try: traffic has moved, so whatever happens to this
    // bookkeeping, the request must never be marked failed.
    try {
      return await this.finishApplied(id, result, unstored);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      this.options.logger.warn(
        `request ${id} was applied, but the plugin's database is unavailable to record it; retrying: ${error}`,
      );
      this.finishAppliedLater(id, result, unstored);
      throw new DatabaseUnavailableError(
        `The change was applied to the cluster (${describeRequest(
          request,
        )}), but the plugin's database is unavailable, so request ${id} and its audit record are not updated yet: the plugin records them as soon as the database is back. Do not approve or request it again.`,
        true,
      );
    }
  }

  /**
   * Ends an approval the expiry task failed as abandoned (its replica
   * stopped before finishing it): from its audit record when its write
   * was recorded, else with an `unknown` record that is settled from the
   * cluster.
   */
  async settleAbandoned(request: PromotionRequest): Promise<void> {
    const { auditTrail, store, notifier } = this.options;
    // The write and its record landed, and only the request was not
    // updated (the replica stopped, or its database went away, after the
    // write): the record says applied, so the request does too — no
    // second record.
    const applied = await auditTrail.appliedRecordOf(request.id);
    if (applied) {
      const corrected = await store.settleUnknownApproval(request.id, {
        message: `Applied: the change was made and recorded (audit record ${applied.id}) before the backend applying it stopped.`,
        resourceVersionAfter: applied.resourceVersionAfter,
      });
      if (corrected) await notifier.decided(corrected);
      return;
    }
    // Its write may or may not have reached the cluster: an `unknown`
    // record with the planned split, which the plugin settles by reading
    // the route (unchanged resourceVersion since the request: not applied).
    await auditTrail.record({
      eventId: 'promotion-request-approve',
      record: {
        ...requestAuditRecord(request, request.decidedBy),
        weightsAfter: request.plannedAfter,
        outcome: 'unknown',
        message: request.message,
      },
    });
    await notifier.decided(request);
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
    const controllerActions = enabledControllerActions(
      this.options.controllerActions,
    );
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
    await this.options.notifier.decided(finished);
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
}
