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
import type { FlaggerGate } from '@istio-rollouts/plugin-istio-rollouts-common';
import { Knex, migratedClient, toIsoString } from '../../database/migrate';
import {
  CanaryKey,
  FlaggerGateStore,
  GateCall,
  GateOpening,
  NewGateOpening,
} from './FlaggerGateStore';

const CALLS = 'istio_rollouts_flagger_gate_calls';
const OPENINGS = 'istio_rollouts_flagger_gate_openings';
/** canary_weight of the openings of the gates that are not traffic increases. */
const NO_WEIGHT = -1;

type Timestamp = Date | number | string;

/** Columns of istio_rollouts_flagger_gate_calls, as the drivers return them. */
type RawDbCallRow = {
  cluster: string;
  namespace: string;
  canary: string;
  gate: string;
  revision: string;
  revision_key: string | null;
  phase: string;
  /** SQLite returns 0/1. */
  answered_open: boolean | number;
  called_at: Timestamp;
};

/** Columns of istio_rollouts_flagger_gate_openings, as the drivers return them. */
type RawDbOpeningRow = {
  /** pg returns bigints as strings. */
  id: string | number;
  cluster: string;
  namespace: string;
  canary: string;
  gate: string;
  revision: string;
  canary_weight: number;
  opened_by: string;
  opened_at: Timestamp;
  reason: string | null;
};

/** A call joined with one of its revision's openings (or none). */
type RawDbDescribeRow = RawDbCallRow & {
  opening_id: string | number | null;
  canary_weight: number | null;
  opened_by: string | null;
  opened_at: Timestamp | null;
  reason: string | null;
};

const OPENING_KEY = [
  'cluster',
  'namespace',
  'canary',
  'gate',
  'revision',
  'canary_weight',
] as const;

/**
 * {@link FlaggerGateStore} on the plugin's database. A call is an upsert on
 * the gate's key, so replicas and repeated calls keep one row; an opening
 * is an insert that the unique key turns into a no-op when the gate is
 * already open for that revision (and weight), so two owners opening it
 * at once make one opening.
 */
export class DatabaseFlaggerGateStore implements FlaggerGateStore {
  static async create(options: {
    database: DatabaseService;
  }): Promise<DatabaseFlaggerGateStore> {
    return new DatabaseFlaggerGateStore(await migratedClient(options.database));
  }

  private constructor(private readonly db: Knex) {}

  async recordCall(
    call: Omit<GateCall, 'calledAt'> & { calledAt: Date },
  ): Promise<void> {
    await this.db<RawDbCallRow>(CALLS)
      .insert({
        cluster: call.cluster,
        namespace: call.namespace,
        canary: call.canary,
        gate: call.gate,
        revision: call.revision,
        revision_key: call.revisionKey ?? null,
        phase: call.phase,
        answered_open: call.answeredOpen,
        called_at: call.calledAt,
      })
      .onConflict(['cluster', 'namespace', 'canary', 'gate'])
      .merge([
        'revision',
        'revision_key',
        'phase',
        'answered_open',
        'called_at',
      ]);
  }

  async getCall(
    key: CanaryKey & { gate: FlaggerGate },
  ): Promise<GateCall | undefined> {
    const row = await this.db<RawDbCallRow>(CALLS)
      .where({
        cluster: key.cluster,
        namespace: key.namespace,
        canary: key.canary,
        gate: key.gate,
      })
      .first();
    return row ? toCall(row) : undefined;
  }

  async openings(
    key: CanaryKey & { gate: FlaggerGate; revision: string },
  ): Promise<GateOpening[]> {
    const rows = await this.db<RawDbOpeningRow>(OPENINGS)
      .where({
        cluster: key.cluster,
        namespace: key.namespace,
        canary: key.canary,
        gate: key.gate,
        revision: key.revision,
      })
      .orderBy('id');
    return rows.map(toOpening);
  }

  async describe(
    key: CanaryKey,
  ): Promise<Array<{ call: GateCall; openings: GateOpening[] }>> {
    const rows: RawDbDescribeRow[] = await this.db(`${CALLS} as c`)
      .leftJoin(`${OPENINGS} as o`, join => {
        join
          .on('o.cluster', 'c.cluster')
          .andOn('o.namespace', 'c.namespace')
          .andOn('o.canary', 'c.canary')
          .andOn('o.gate', 'c.gate')
          .andOn('o.revision', 'c.revision');
      })
      .where({
        'c.cluster': key.cluster,
        'c.namespace': key.namespace,
        'c.canary': key.canary,
      })
      .select(
        'c.cluster',
        'c.namespace',
        'c.canary',
        'c.gate',
        'c.revision',
        'c.revision_key',
        'c.phase',
        'c.answered_open',
        'c.called_at',
        'o.id as opening_id',
        'o.canary_weight',
        'o.opened_by',
        'o.opened_at',
        'o.reason',
      )
      .orderBy('c.gate')
      .orderBy('o.id');
    const byGate = new Map<
      string,
      { call: GateCall; openings: GateOpening[] }
    >();
    for (const row of rows) {
      let entry = byGate.get(row.gate);
      if (!entry) {
        entry = { call: toCall(row), openings: [] };
        byGate.set(row.gate, entry);
      }
      if (row.opening_id !== null) {
        entry.openings.push(
          toOpening({
            ...row,
            id: row.opening_id,
            canary_weight: row.canary_weight!,
            opened_by: row.opened_by!,
            opened_at: row.opened_at!,
          }),
        );
      }
    }
    return Array.from(byGate.values());
  }

  async open(
    opening: NewGateOpening,
  ): Promise<{ opening: GateOpening; created: boolean }> {
    const key = {
      cluster: opening.cluster,
      namespace: opening.namespace,
      canary: opening.canary,
      gate: opening.gate,
      revision: opening.revision,
      canary_weight: opening.canaryWeight ?? NO_WEIGHT,
    };
    // Without RETURNING, which not every supported SQLite build has: the
    // row read back is ours when it carries the time we wrote.
    await this.db<RawDbOpeningRow>(OPENINGS)
      .insert({
        ...key,
        opened_by: opening.openedBy,
        opened_at: opening.openedAt,
        reason: opening.reason ?? null,
      })
      .onConflict([...OPENING_KEY])
      .ignore();
    const row = await this.db<RawDbOpeningRow>(OPENINGS).where(key).first();
    if (!row) {
      throw new Error(
        `Opening of ${opening.gate} for Canary ${opening.namespace}/${opening.canary} on ${opening.cluster} not found after insert`,
      );
    }
    const stored = toOpening(row);
    const created =
      stored.openedBy === opening.openedBy &&
      stored.openedAt === opening.openedAt.toISOString() &&
      (stored.reason ?? null) === (opening.reason ?? null);
    return { opening: stored, created };
  }
}

function toCall(row: RawDbCallRow): GateCall {
  const call: GateCall = {
    cluster: row.cluster,
    namespace: row.namespace,
    canary: row.canary,
    gate: row.gate as FlaggerGate,
    revision: row.revision,
    phase: row.phase,
    answeredOpen: Boolean(row.answered_open),
    calledAt: toIsoString(row.called_at),
  };
  if (row.revision_key !== null) call.revisionKey = row.revision_key;
  return call;
}

function toOpening(row: RawDbOpeningRow): GateOpening {
  const opening: GateOpening = {
    id: String(row.id),
    cluster: row.cluster,
    namespace: row.namespace,
    canary: row.canary,
    gate: row.gate as FlaggerGate,
    revision: row.revision,
    openedBy: row.opened_by,
    openedAt: toIsoString(row.opened_at),
  };
  if (row.canary_weight !== NO_WEIGHT) opening.canaryWeight = row.canary_weight;
  if (row.reason !== null) opening.reason = row.reason;
  return opening;
}
