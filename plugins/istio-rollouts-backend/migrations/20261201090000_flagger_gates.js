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

// Flagger's webhook gates served by the plugin. Flagger calls each gate of
// a Canary at every analysis interval and goes on only on a 2xx; the
// plugin answers from two tables, shared by every replica:
//
// - the last call of each (cluster, namespace, canary, gate): one row,
//   upserted by whichever replica Flagger reached, so that the tab knows
//   the revision Flagger is asking about and whether it waits;
// - the openings people made: one row per gate and revision (and, for
//   confirm-traffic-increase, per canary weight: each increase is opened
//   on its own). The unique key makes concurrent opens of the same gate
//   one opening. Openings are never updated.
//
// No apostrophe in a comment below: knex writes them into SQL unescaped.

const CALLS = 'istio_rollouts_flagger_gate_calls';
const OPENINGS = 'istio_rollouts_flagger_gate_openings';

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable(CALLS, table => {
    table.comment(
      'The last call of Flagger to each webhook gate the plugin serves, per Canary',
    );
    table
      .string('cluster', 255)
      .notNullable()
      .comment('Configured cluster name');
    table
      .string('namespace', 63)
      .notNullable()
      .comment('Namespace of the Canary');
    table.string('canary', 253).notNullable().comment('Name of the Canary');
    table
      .string('gate', 32)
      .notNullable()
      .comment(
        'confirm-rollout, confirm-traffic-increase, confirm-promotion or rollback',
      );
    table
      .string('revision', 64)
      .notNullable()
      .comment(
        'The checksum Flagger sent: its hash of status.lastAppliedSpec and trackedConfigs',
      );
    table
      .string('revision_key', 64)
      .nullable()
      .comment(
        'sha256 of the status.lastAppliedSpec and trackedConfigs the plugin saw at the call; null when it had no copy of the Canary',
      );
    table.string('phase', 32).notNullable().comment('The phase Flagger sent');
    table
      .boolean('answered_open')
      .notNullable()
      .comment('Whether the plugin answered 200 (the gate was open)');
    table
      .timestamp('called_at', { useTz: true, precision: 3 })
      .notNullable()
      .comment('When Flagger called');
    table.primary(
      ['cluster', 'namespace', 'canary', 'gate'],
      'istio_rollouts_flagger_gate_calls_pkey',
    );
  });

  await knex.schema.createTable(OPENINGS, table => {
    table.comment(
      'Flagger webhook gates opened from Backstage, one row per gate, revision and (traffic increase) weight',
    );
    table.bigIncrements('id').primary().comment('Auto-incrementing id');
    table
      .string('cluster', 255)
      .notNullable()
      .comment('Configured cluster name');
    table
      .string('namespace', 63)
      .notNullable()
      .comment('Namespace of the Canary');
    table.string('canary', 253).notNullable().comment('Name of the Canary');
    table
      .string('gate', 32)
      .notNullable()
      .comment(
        'confirm-rollout, confirm-traffic-increase, confirm-promotion or rollback',
      );
    table
      .string('revision', 64)
      .notNullable()
      .comment(
        'The checksum Flagger sent for the revision the gate is open for',
      );
    table
      .integer('canary_weight')
      .notNullable()
      .comment(
        'confirm-traffic-increase: status.canaryWeight when opened (open while it stays so); -1 for the other gates',
      );
    table
      .text('opened_by')
      .notNullable()
      .comment(
        'Entity ref of the user who opened it (or whose request was approved)',
      );
    table
      .timestamp('opened_at', { useTz: true, precision: 3 })
      .notNullable()
      .comment('When it was opened');
    table.text('reason').nullable().comment('Why, as given by the user');
    table.unique(
      ['cluster', 'namespace', 'canary', 'gate', 'revision', 'canary_weight'],
      { indexName: 'istio_rollouts_flagger_gate_openings_key_idx' },
    );
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable(OPENINGS);
  await knex.schema.dropTable(CALLS);
};
