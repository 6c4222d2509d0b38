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

// The release audit page filters by actor and pages newest first by id.
// An index on actor alone makes PostgreSQL sort every record of the actor
// (or walk the primary key and filter); (actor, id) serves the page as a
// range scan, like (entity_ref, id) does for an entity's history.

const TABLE = 'istio_rollouts_audit_records';

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable(TABLE, table => {
    table.dropIndex(['actor'], 'istio_rollouts_audit_actor_idx');
    table.index(['actor', 'id'], 'istio_rollouts_audit_actor_id_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable(TABLE, table => {
    table.dropIndex(['actor', 'id'], 'istio_rollouts_audit_actor_id_idx');
    table.index(['actor'], 'istio_rollouts_audit_actor_idx');
  });
};
