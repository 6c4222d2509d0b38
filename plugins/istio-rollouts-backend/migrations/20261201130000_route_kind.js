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

// The kind of routing object a record or request is about: null for a
// VirtualService (every row written before HTTPRoutes could be changed),
// HTTPRoute for a Gateway API route. The name stays in virtual_service.
//
// No apostrophe in a comment below: knex writes them into SQL unescaped.

const TABLES = [
  'istio_rollouts_audit_records',
  'istio_rollouts_promotion_requests',
];

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  for (const name of TABLES) {
    await knex.schema.alterTable(name, table => {
      table
        .string('route_kind', 32)
        .nullable()
        .comment('HTTPRoute, or null for a VirtualService');
    });
  }
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  for (const name of TABLES) {
    await knex.schema.alterTable(name, table => {
      table.dropColumn('route_kind');
    });
  }
};
