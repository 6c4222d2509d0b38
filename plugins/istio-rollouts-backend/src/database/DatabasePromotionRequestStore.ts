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

import { DatabaseService } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import type {
  PromotionRequest,
  PromotionRequestStatus,
  RoutingObjectKind,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { randomUUID } from 'node:crypto';
import { Knex, migratedClient, toIsoString } from './migrate';
import {
  NewPromotionRequest,
  PromotionRequestStore,
} from './PromotionRequestStore';

const TABLE = 'istio_rollouts_promotion_requests';
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

type Timestamp = Date | number | string;

/** Columns of istio_rollouts_promotion_requests, as the drivers return them. */
type RawDbPromotionRequestRow = {
  id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  entity_ref: string;
  cluster: string;
  namespace: string;
  virtual_service: string;
  route_kind?: string | null;
  route: string;
  change: string;
  reason: string;
  status: string;
  requested_by: string;
  route_before: string;
  route_planned_after: string;
  resource_version: string;
  decided_by: string | null;
  decided_at: Timestamp | null;
  decision_reason: string | null;
  message: string | null;
  resource_version_after: string | null;
};

/**
 * {@link PromotionRequestStore} on the plugin's database. Each transition
 * is one `UPDATE … WHERE id = ? AND status = ?`: the database serialises
 * concurrent updates of a row, and only the first one still finds the
 * status it expects, so a request is decided (and applied) once.
 */
export class DatabasePromotionRequestStore implements PromotionRequestStore {
  static async create(options: {
    database: DatabaseService;
  }): Promise<DatabasePromotionRequestStore> {
    return new DatabasePromotionRequestStore(
      await migratedClient(options.database),
    );
  }

  private constructor(private readonly db: Knex) {}

  async create(request: NewPromotionRequest): Promise<PromotionRequest> {
    const id = randomUUID();
    await this.db<RawDbPromotionRequestRow>(TABLE).insert({
      id,
      created_at: new Date(request.createdAt),
      expires_at: new Date(request.expiresAt),
      entity_ref: request.entityRef,
      cluster: request.target.cluster,
      namespace: request.target.namespace,
      virtual_service: request.target.virtualService,
      route_kind: request.target.kind ?? null,
      route: String(request.target.route),
      change: JSON.stringify(request.change),
      reason: request.reason,
      status: 'pending',
      requested_by: request.requestedBy,
      route_before: JSON.stringify(request.before),
      route_planned_after: JSON.stringify(request.plannedAfter),
      resource_version: request.resourceVersion,
    });
    return this.mustGet(id);
  }

  async get(id: string): Promise<PromotionRequest | undefined> {
    const row = await this.db<RawDbPromotionRequestRow>(TABLE)
      .where({ id })
      .first();
    return row ? toPromotionRequest(row) : undefined;
  }

  async list(options: {
    entityRef?: string;
    statuses?: PromotionRequestStatus[];
    limit?: number;
  }): Promise<PromotionRequest[]> {
    const query = this.db<RawDbPromotionRequestRow>(TABLE);
    if (options.entityRef !== undefined) {
      query.where('entity_ref', options.entityRef);
    }
    if (options.statuses?.length) {
      query.whereIn('status', options.statuses);
    }
    const limit = Math.min(
      MAX_LIMIT,
      Math.max(1, Math.floor(options.limit ?? DEFAULT_LIMIT)),
    );
    const rows = await query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit);
    return rows.map(toPromotionRequest);
  }

  async pendingCounts() {
    const rows: Array<{
      cluster: string;
      namespace: string;
      virtual_service: string;
      route_kind: string | null;
      route: string;
      count: number | string;
    }> = await this.db(TABLE)
      .select('cluster', 'namespace', 'virtual_service', 'route_kind', 'route')
      .count({ count: '*' })
      .where('status', 'pending')
      .groupBy(
        'cluster',
        'namespace',
        'virtual_service',
        'route_kind',
        'route',
      );
    return rows.map(row => ({
      cluster: row.cluster,
      namespace: row.namespace,
      name: row.virtual_service,
      ...(row.route_kind && {
        kind: row.route_kind as RoutingObjectKind,
      }),
      route: row.route,
      count: Number(row.count),
    }));
  }

  async claimForApproval(
    id: string,
    approver: string,
    reason: string | undefined,
    now: Date,
  ): Promise<PromotionRequest | undefined> {
    const count = await this.db<RawDbPromotionRequestRow>(TABLE)
      .where({ id, status: 'pending' })
      .where('expires_at', '>', now)
      .update({
        status: 'approving',
        decided_by: approver,
        decided_at: now,
        decision_reason: reason ?? null,
      });
    return count === 1 ? this.mustGet(id) : undefined;
  }

  async finishApproval(
    id: string,
    outcome: {
      status: 'applied' | 'stale' | 'failed';
      message?: string;
      resourceVersionAfter?: string;
    },
  ): Promise<PromotionRequest> {
    const count = await this.db<RawDbPromotionRequestRow>(TABLE)
      .where({ id, status: 'approving' })
      .update({
        status: outcome.status,
        message: outcome.message ?? null,
        resource_version_after: outcome.resourceVersionAfter ?? null,
      });
    if (count !== 1) {
      // Only failAbandoned moves an approving request on; it would take a
      // clock skew of minutes for it to do so under a running approval.
      throw new NotFoundError(`Promotion request ${id} is not being approved`);
    }
    return this.mustGet(id);
  }

  async settleUnknownApproval(
    id: string,
    outcome: {
      message: string;
      resourceVersionAfter?: string;
      status?: 'applied' | 'failed';
    },
  ): Promise<PromotionRequest | undefined> {
    const status = outcome.status ?? 'applied';
    const count = await this.db<RawDbPromotionRequestRow>(TABLE)
      .where({ id, status: 'failed' })
      .update({
        status,
        message: outcome.message,
        resource_version_after:
          status === 'applied' ? outcome.resourceVersionAfter ?? null : null,
      });
    return count === 1 ? this.mustGet(id) : undefined;
  }

  async close(
    id: string,
    decision: {
      status: 'rejected' | 'cancelled';
      by: string;
      reason?: string;
      now: Date;
    },
  ): Promise<PromotionRequest | undefined> {
    const count = await this.db<RawDbPromotionRequestRow>(TABLE)
      .where({ id, status: 'pending' })
      .update({
        status: decision.status,
        decided_by: decision.by,
        decided_at: decision.now,
        decision_reason: decision.reason ?? null,
      });
    return count === 1 ? this.mustGet(id) : undefined;
  }

  async expireDue(now: Date): Promise<PromotionRequest[]> {
    return this.moveEach('pending', ['expires_at', '<=', now], {
      status: 'expired',
      decided_at: now,
    });
  }

  async failAbandoned(
    claimedBefore: Date,
    message: string,
  ): Promise<PromotionRequest[]> {
    return this.moveEach('approving', ['decided_at', '<', claimedBefore], {
      status: 'failed',
      message,
    });
  }

  // Select candidates, then move each with its own conditional update, so
  // that a replica doing the same at the same moment (or an approval) takes
  // a row from us rather than both acting on it. Without RETURNING, which
  // not every supported SQLite build has.
  private async moveEach(
    from: PromotionRequestStatus,
    due: ['expires_at' | 'decided_at', '<' | '<=', Date],
    to: Partial<RawDbPromotionRequestRow>,
  ): Promise<PromotionRequest[]> {
    const rows: Array<{ id: string }> = await this.db<RawDbPromotionRequestRow>(
      TABLE,
    )
      .where('status', from)
      .where(...due)
      .select('id')
      .limit(500);
    const moved: PromotionRequest[] = [];
    for (const { id } of rows) {
      const count = await this.db<RawDbPromotionRequestRow>(TABLE)
        .where({ id, status: from })
        .update(to);
      if (count === 1) moved.push(await this.mustGet(id));
    }
    return moved;
  }

  private async mustGet(id: string): Promise<PromotionRequest> {
    const request = await this.get(id);
    if (!request) throw new NotFoundError(`Promotion request ${id} not found`);
    return request;
  }
}

function toPromotionRequest(row: RawDbPromotionRequestRow): PromotionRequest {
  const route = /^\d+$/.test(row.route) ? Number(row.route) : row.route;
  const request: PromotionRequest = {
    id: row.id,
    entityRef: row.entity_ref,
    target: {
      cluster: row.cluster,
      namespace: row.namespace,
      virtualService: row.virtual_service,
      route,
      ...(row.route_kind === 'HTTPRoute' && { kind: 'HTTPRoute' as const }),
    },
    change: JSON.parse(row.change),
    reason: row.reason,
    status: row.status as PromotionRequestStatus,
    requestedBy: row.requested_by,
    createdAt: toIsoString(row.created_at),
    expiresAt: toIsoString(row.expires_at),
    before: JSON.parse(row.route_before),
    plannedAfter: JSON.parse(row.route_planned_after),
    resourceVersion: row.resource_version,
  };
  if (row.decided_by !== null) request.decidedBy = row.decided_by;
  if (row.decided_at !== null) request.decidedAt = toIsoString(row.decided_at);
  if (row.decision_reason !== null)
    request.decisionReason = row.decision_reason;
  if (row.message !== null) request.message = row.message;
  if (row.resource_version_after !== null) {
    request.resourceVersionAfter = row.resource_version_after;
  }
  return request;
}
