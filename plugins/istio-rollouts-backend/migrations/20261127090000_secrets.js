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

// Secrets the plugin makes for itself, shared by every replica and kept
// across restarts without configuration: the first replica to need one
// inserts a random value, the others' inserts of theirs are ignored, and
// everyone reads back the one that won. Today: the key that turns clusters,
// namespaces and entities into the opaque topics of broadcast signals.
// Rows are never updated; deleting one makes a new secret on next start.

const TABLE = 'istio_rollouts_secrets';

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable(TABLE, table => {
    table.comment(
      'Random secrets of the Istio Rollouts plugin, one per purpose, shared by all replicas',
    );
    table
      .string('name', 64)
      .primary()
      .comment('What the secret is for, e.g. signal-topics');
    table
      .text('secret')
      .notNullable()
      .comment('The random secret, base64; never sent to any client');
    table
      .timestamp('created_at', { useTz: true, precision: 3 })
      .notNullable()
      .defaultTo(knex.fn.now())
      .comment('When the secret was made');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable(TABLE);
};
