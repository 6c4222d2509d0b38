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

// @ts-check

// Promotion requests: a user asks the owners to move traffic; an owner
// approves (the change is applied) or rejects; the requester may cancel;
// the scheduler expires what nobody decided. Unlike the audit trail, a
// request's row changes — but only forward, from `pending` (through
// `approving`) to one final state, each step a conditional UPDATE on the
// current status, which is what makes a decision happen exactly once even
// with several backend replicas.

const TABLE = 'istio_rollouts_promotion_requests';

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable(TABLE, table => {
    table.comment('Requests to move traffic, waiting for an owner decision');
    table.string('id', 36).primary().comment('Random UUID of the request');
    table
      .timestamp('created_at', { useTz: true, precision: 3 })
      .notNullable()
      .comment('When the request was made');
    table
      .timestamp('expires_at', { useTz: true, precision: 3 })
      .notNullable()
      .comment('A pending request expires at this time');
    table
      .text('entity_ref')
      .notNullable()
      .comment('Catalog entity whose traffic the request moves');
    table.text('cluster').notNullable().comment('Kubernetes cluster name');
    table.text('namespace').notNullable().comment('Kubernetes namespace');
    table
      .text('virtual_service')
      .notNullable()
      .comment('Name of the VirtualService');
    table
      .text('route')
      .notNullable()
      .comment('http route, by name or index in spec.http');
    table
      .text('change')
      .notNullable()
      .comment('JSON: set-weights, promote-next or promote-full operation');
    table
      .text('reason')
      .notNullable()
      .comment('Why, as given by the requester');
    table
      .string('status', 16)
      .notNullable()
      .comment(
        'pending, approving, applied, rejected, cancelled, expired, stale or failed',
      );
    table
      .text('requested_by')
      .notNullable()
      .comment('User entity ref of the requester');
    table
      .text('route_before')
      .notNullable()
      .comment(
        'JSON RouteSnapshot when requested; approval applies only to it',
      );
    table
      .text('route_planned_after')
      .notNullable()
      .comment('JSON RouteSnapshot the change would leave, planned at request');
    table
      .text('resource_version')
      .notNullable()
      .comment('VirtualService resourceVersion when requested');
    table
      .text('decided_by')
      .nullable()
      .comment('User who approved, rejected or cancelled');
    table
      .timestamp('decided_at', { useTz: true, precision: 3 })
      .nullable()
      .comment('When the decision was taken (approval: when it was claimed)');
    table
      .text('decision_reason')
      .nullable()
      .comment('Note of the approver, rejecter or canceller');
    table
      .text('message')
      .nullable()
      .comment('Why the request went stale or failed');
    table
      .text('resource_version_after')
      .nullable()
      .comment('VirtualService resourceVersion after an applied change');

    table.index(['entity_ref', 'status'], 'istio_rollouts_requests_entity_idx');
    table.index(['status', 'expires_at'], 'istio_rollouts_requests_due_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable(TABLE);
};
