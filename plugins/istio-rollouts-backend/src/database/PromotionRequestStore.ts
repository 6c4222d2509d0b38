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

import type {
  PromotionRequest,
  PromotionRequestStatus,
  RoutingObjectKind,
} from '@istio-rollouts/plugin-istio-rollouts-common';

/**
 * A request to store: everything but what the store decides itself.
 */
export type NewPromotionRequest = Omit<
  PromotionRequest,
  | 'id'
  | 'status'
  | 'decidedBy'
  | 'decidedAt'
  | 'decisionReason'
  | 'message'
  | 'resourceVersionAfter'
>;

/**
 * Promotion requests. Every state change is conditional on the current
 * status (compare-and-set), so of two backend replicas deciding the same
 * request at once exactly one wins and the other learns it lost.
 */
export interface PromotionRequestStore {
  create(request: NewPromotionRequest): Promise<PromotionRequest>;
  get(id: string): Promise<PromotionRequest | undefined>;
  /** Newest first. */
  list(options: {
    entityRef?: string;
    statuses?: PromotionRequestStatus[];
    limit?: number;
  }): Promise<PromotionRequest[]>;
  /**
   * How many requests wait for a decision, per route (`route` as the
   * requests name it: an index or a name); one grouped query.
   */
  pendingCounts(): Promise<
    Array<{
      cluster: string;
      namespace: string;
      name: string;
      kind?: RoutingObjectKind;
      route: string;
      count: number;
    }>
  >;
  /**
   * pending → approving, if still pending and not past its expiry at `now`.
   * Returns the claimed request, or undefined when someone else decided it
   * (or it expired) first.
   */
  claimForApproval(
    id: string,
    approver: string,
    reason: string | undefined,
    now: Date,
  ): Promise<PromotionRequest | undefined>;
  /** approving → applied, stale or failed: the outcome of an approval. */
  finishApproval(
    id: string,
    outcome: {
      status: 'applied' | 'stale' | 'failed';
      message?: string;
      resourceVersionAfter?: string;
    },
  ): Promise<PromotionRequest>;
  /**
   * failed → applied: an approval whose write went unanswered was failed
   * with "not known yet"; the write's audit record later settled as applied.
   * With `status: 'failed'` (settled as not applied) the request stays
   * failed and only its message becomes the settled truth.
   * Undefined when the request is not failed (nothing to correct).
   */
  settleUnknownApproval(
    id: string,
    outcome: {
      message: string;
      resourceVersionAfter?: string;
      status?: 'applied' | 'failed';
    },
  ): Promise<PromotionRequest | undefined>;
  /** pending → rejected or cancelled. Undefined when no longer pending. */
  close(
    id: string,
    decision: {
      status: 'rejected' | 'cancelled';
      by: string;
      reason?: string;
      now: Date;
    },
  ): Promise<PromotionRequest | undefined>;
  /**
   * pending → expired for every request past its expiry; returns those this
   * call expired (not those another replica expired at the same moment).
   */
  expireDue(now: Date): Promise<PromotionRequest[]>;
  /**
   * approving → failed for approvals claimed before `claimedBefore` that
   * never finished (the replica applying them stopped).
   */
  failAbandoned(
    claimedBefore: Date,
    message: string,
  ): Promise<PromotionRequest[]>;
}
