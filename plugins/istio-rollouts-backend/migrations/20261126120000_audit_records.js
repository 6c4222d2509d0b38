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

// The append-only audit trail of write actions (applied, failed, denied,
// stale, expired; never dry runs). Rows are only ever inserted: the store
// has no update or delete, so nothing here needs an updated_at.

const TABLE = 'istio_rollouts_audit_records';

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable(TABLE, table => {
    table.comment(
      'Append-only record of every write action of the Istio Rollouts plugin',
    );
    table
      .bigIncrements('id')
      .primary()
      .comment('Auto-incrementing id; also the key of cursor pagination');
    // Precision 3 keeps milliseconds on PostgreSQL, so records written in the
    // same second still order and filter by time as the service saw them.
    table
      .timestamp('created_at', { useTz: true, precision: 3 })
      .notNullable()
      .defaultTo(knex.fn.now())
      .comment('When the action finished (or was refused)');
    // Nullable: an approval that expires has no user acting at that moment.
    table
      .text('actor')
      .nullable()
      .comment('Entity ref of the user who acted; null for system actions');
    table
      .text('approver')
      .nullable()
      .comment('Entity ref of the user who approved the action, if any');
    table
      .text('entity_ref')
      .notNullable()
      .comment('Catalog entity the action was for');
    table
      .text('action')
      .notNullable()
      .comment('What was asked, e.g. promote-next, rollback, scale');
    table
      .text('outcome')
      .notNullable()
      .comment('applied, failed, denied, stale or expired');
    table
      .text('cluster')
      .notNullable()
      .comment('Name of the Kubernetes cluster acted on');
    table.text('namespace').notNullable().comment('Kubernetes namespace');
    table
      .text('virtual_service')
      .nullable()
      .comment('VirtualService changed; null for scale actions');
    table
      .text('workload')
      .nullable()
      .comment('Deployment scaled; null for route actions');
    table
      .text('route')
      .nullable()
      .comment('http route, by name or index in spec.http; null for scale');
    table
      .text('weights_before')
      .nullable()
      .comment('JSON: the route (or replicas) before the action');
    table
      .text('weights_after')
      .nullable()
      .comment('JSON: the route (or replicas) after the action');
    table
      .text('resource_version_before')
      .nullable()
      .comment('metadata.resourceVersion read before the action');
    table
      .text('resource_version_after')
      .nullable()
      .comment('metadata.resourceVersion after a successful write');
    table.text('reason').nullable().comment('Why, as given by the actor');
    table
      .text('message')
      .nullable()
      .comment('Error or refusal message for failed, denied, stale, expired');
    table
      .text('request_id')
      .nullable()
      .comment('Id of the HTTP request or approval request behind the action');

    // (entity_ref, id) serves the entity tab: its newest records, by cursor.
    table.index(['entity_ref', 'id'], 'istio_rollouts_audit_entity_id_idx');
    table.index(['created_at'], 'istio_rollouts_audit_created_at_idx');
    table.index(['actor'], 'istio_rollouts_audit_actor_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable(TABLE);
};
