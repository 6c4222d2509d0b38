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

// Observed changes (outcome `observed`: a route changed by kubectl, a GitOps
// tool or a rollout controller, seen by the watch) are recorded exactly once
// across replicas and restarts: every replica that sees the change inserts
// it under the same key (cluster, object uid, resourceVersion, route), and
// the unique index lets only the first insert through.
//
// Writes whose outcome was `unknown` (the cluster did not answer in time)
// are the one exception to append-only: they are settled once, to `applied`
// or `failed`, when the cluster answers again; settled_at says when.

const TABLE = 'istio_rollouts_audit_records';

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable(TABLE, table => {
    table
      .text('observed_key')
      .nullable()
      .comment(
        'cluster/uid/resourceVersion/route of an observed change; unique, so it is recorded once',
      );
    table
      .timestamp('settled_at', { useTz: true, precision: 3 })
      .nullable()
      .comment('When an unknown outcome was settled to applied or failed');
    table.unique(['observed_key'], {
      indexName: 'istio_rollouts_audit_observed_key_idx',
    });
    // The reconciler looks for unsettled writes; few rows ever match.
    table.index(['outcome', 'id'], 'istio_rollouts_audit_outcome_id_idx');
    // A VirtualService's newest records: what a start compares each route
    // with (and a route's stable version), one index range per object.
    table.index(
      ['cluster', 'namespace', 'virtual_service', 'id'],
      'istio_rollouts_audit_virtual_service_id_idx',
    );
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable(TABLE, table => {
    table.dropIndex(
      ['cluster', 'namespace', 'virtual_service', 'id'],
      'istio_rollouts_audit_virtual_service_id_idx',
    );
    table.dropIndex(['outcome', 'id'], 'istio_rollouts_audit_outcome_id_idx');
    table.dropUnique(['observed_key'], 'istio_rollouts_audit_observed_key_idx');
    table.dropColumn('settled_at');
    table.dropColumn('observed_key');
  });
};
