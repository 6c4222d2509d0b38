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
import { InputError } from '@backstage/errors';
import {
  AUDIT_OUTCOMES,
  RoutingObjectKind,
  TRAFFIC_CHANGE_OUTCOMES,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import {
  AuditOutcome,
  AuditRecord,
  AuditRecordPage,
  AuditStore,
  ListAuditRecordsOptions,
  NewAuditRecord,
  RouteChangeEntry,
  SettledOutcome,
} from './AuditStore';
import { Knex, migratedClient, toIsoString } from './migrate';

const TABLE = 'istio_rollouts_audit_records';
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;
// Ids per look-up, far below SQLite's and PostgreSQL's limits on a
// statement's parameters.
const IDS_PER_QUERY = 1000;
// The route change log: changes that took effect, and unanswered writes,
// which may have.
const ROUTE_CHANGE_LOG_OUTCOMES: ReadonlyArray<AuditOutcome> = [
  ...TRAFFIC_CHANGE_OUTCOMES,
  'unknown',
];
const OUTCOMES: ReadonlyArray<AuditOutcome> = AUDIT_OUTCOMES;

/** Columns of istio_rollouts_audit_records, as the drivers return them. */
type RawDbAuditRecordRow = {
  // bigint: a string from pg, a number from SQLite.
  id: string | number;
  // A Date from pg; epoch milliseconds from SQLite (knex binds Dates so).
  created_at: Date | number | string;
  actor: string | null;
  approver: string | null;
  entity_ref: string;
  action: string;
  outcome: string;
  cluster: string;
  namespace: string;
  virtual_service: string | null;
  route_kind?: string | null;
  workload: string | null;
  route: string | null;
  weights_before: string | null;
  weights_after: string | null;
  resource_version_before: string | null;
  resource_version_after: string | null;
  reason: string | null;
  message: string | null;
  request_id: string | null;
  observed_key?: string | null;
  settled_at?: Date | number | string | null;
};

/**
 * {@link AuditStore} on the plugin's database (PostgreSQL or SQLite).
 * It has no update or delete methods: the trail is append-only.
 *
 */
export class DatabaseAuditStore implements AuditStore {
  /** Connects and, unless `database.migrations.skip`, migrates to latest. */
  static async create(options: {
    database: DatabaseService;
  }): Promise<DatabaseAuditStore> {
    return new DatabaseAuditStore(await migratedClient(options.database));
  }

  private constructor(private readonly db: Knex) {}

  async append(record: NewAuditRecord): Promise<AuditRecord> {
    const [stored] = await this.db<RawDbAuditRecordRow>(TABLE)
      .insert(toRow(record))
      .returning('*');
    return toAuditRecord(stored as RawDbAuditRecordRow);
  }

  async appendObserved(record: NewAuditRecord, key: string): Promise<boolean> {
    if (record.outcome !== 'observed') {
      throw new InputError(
        `appendObserved takes observed changes, not '${record.outcome}'`,
      );
    }
    // The unique index on observed_key decides which replica's insert
    // counts; the others are ignored, not errors.
    const inserted = await this.db<RawDbAuditRecordRow>(TABLE)
      .insert({ ...toRow(record), observed_key: key })
      .onConflict('observed_key')
      .ignore()
      .returning('id');
    return inserted.length > 0;
  }

  async settle(id: string, settled: SettledOutcome): Promise<boolean> {
    const updated = await this.db<RawDbAuditRecordRow>(TABLE)
      .where({ id: Number(id), outcome: 'unknown' })
      .update({
        outcome: settled.outcome,
        message: settled.message,
        settled_at: new Date(),
        ...(settled.weightsAfter !== undefined
          ? { weights_after: toJson(settled.weightsAfter) }
          : {}),
        ...(settled.resourceVersionAfter !== undefined
          ? { resource_version_after: settled.resourceVersionAfter }
          : {}),
      });
    return Number(updated) > 0;
  }

  async virtualServicesOnRecord(cluster: string): Promise<Set<string>> {
    const rows: Array<{ namespace: string; virtual_service: string }> =
      await this.db(TABLE)
        .distinct('namespace', 'virtual_service')
        .where('cluster', cluster)
        .whereIn('outcome', TRAFFIC_CHANGE_OUTCOMES)
        .whereNotNull('virtual_service')
        .whereNull('route_kind');
    return new Set(rows.map(r => `${r.namespace}/${r.virtual_service}`));
  }

  async routeChangeLog(options: {
    afterId?: number;
    ids?: number[];
    limit: number;
  }): Promise<RouteChangeEntry[]> {
    const columns = [
      'id',
      'outcome',
      'created_at',
      'cluster',
      'namespace',
      'virtual_service',
      'route_kind',
      'route',
    ];
    let rows: RawDbAuditRecordRow[];
    if (options.ids) {
      rows = [];
      for (let i = 0; i < options.ids.length; i += IDS_PER_QUERY) {
        rows.push(
          ...(await this.db(TABLE)
            .select(columns)
            .whereIn('id', options.ids.slice(i, i + IDS_PER_QUERY))
            .orderBy('id', 'asc')),
        );
      }
    } else {
      // The primary key's range: the cost follows the records asked for,
      // not the size of the trail.
      rows = await this.db(TABLE)
        .select(columns)
        .where('id', '>', options.afterId ?? 0)
        .whereIn('outcome', ROUTE_CHANGE_LOG_OUTCOMES)
        .whereNotNull('virtual_service')
        .whereNotNull('route')
        .orderBy('id', 'asc')
        .limit(options.limit);
    }
    return rows
      .filter(row => row.virtual_service !== null && row.route !== null)
      .map(row => ({
        id: Number(row.id),
        outcome: row.outcome as AuditOutcome,
        cluster: row.cluster,
        namespace: row.namespace,
        name: row.virtual_service!,
        ...(row.route_kind && {
          kind: row.route_kind as RoutingObjectKind,
        }),
        route: row.route!,
        at: toIsoString(row.created_at),
      }));
  }

  async ping(): Promise<void> {
    await this.db.raw('select 1');
  }

  async listUnsettled(limit = 100): Promise<AuditRecord[]> {
    const rows: RawDbAuditRecordRow[] = await this.db<RawDbAuditRecordRow>(
      TABLE,
    )
      .where('outcome', 'unknown')
      .orderBy('id', 'asc')
      .limit(limit);
    return rows.map(toAuditRecord);
  }

  async list(options: ListAuditRecordsOptions): Promise<AuditRecordPage> {
    const limit = clampLimit(options.limit);
    const query = this.db<RawDbAuditRecordRow>(TABLE);
    if (options.entityRef !== undefined) {
      const { entityRef, observedOn = [] } = options;
      query.where(q => {
        q.where('entity_ref', entityRef);
        for (const vs of observedOn) {
          q.orWhere({
            outcome: 'observed',
            cluster: vs.cluster,
            namespace: vs.namespace,
            virtual_service: vs.name,
          });
        }
      });
    }
    if (options.requestId !== undefined) {
      query.where('request_id', options.requestId);
    }
    if (options.hideObserved) {
      query.whereNot('outcome', 'observed');
    }
    if (options.actor !== undefined) {
      query.where('actor', options.actor);
    }
    if (options.action !== undefined) {
      query.where('action', options.action);
    }
    if (options.outcome !== undefined) {
      query.where('outcome', options.outcome);
    }
    if (options.virtualService) {
      query.where({
        cluster: options.virtualService.cluster,
        namespace: options.virtualService.namespace,
        virtual_service: options.virtualService.name,
      });
      // A VirtualService and an HTTPRoute may share a name.
      if (options.virtualService.kind === 'HTTPRoute') {
        query.where('route_kind', 'HTTPRoute');
      } else {
        query.whereNull('route_kind');
      }
    }
    if (options.from) {
      query.where('created_at', '>=', options.from);
    }
    if (options.to) {
      query.where('created_at', '<', options.to);
    }
    if (options.cursor !== undefined) {
      query.where('id', '<', decodeCursor(options.cursor));
    }
    // Keyset on id, not offset: pages stay stable while records are
    // appended, and each page is an index range scan.
    const rows: RawDbAuditRecordRow[] = await query
      .orderBy('id', 'desc')
      .limit(limit + 1);

    const items = rows.slice(0, limit).map(toAuditRecord);
    // The extra row only says whether another page exists, so the last page
    // has no cursor (rather than one that leads to an empty page).
    const nextCursor =
      rows.length > limit
        ? encodeCursor(items[items.length - 1].id)
        : undefined;
    return nextCursor ? { items, nextCursor } : { items };
  }
}

function toRow(record: NewAuditRecord): Omit<RawDbAuditRecordRow, 'id'> {
  // Callers pass outcomes through from several code paths; a typo must not
  // become a record that no outcome filter can find.
  if (!OUTCOMES.includes(record.outcome)) {
    throw new InputError(`Invalid audit outcome '${record.outcome}'`);
  }
  return {
    // Set here rather than by the column default, so both databases store
    // the same representation (and milliseconds) that `from`/`to` compare to.
    created_at: new Date(),
    actor: record.actor ?? null,
    approver: record.approver ?? null,
    entity_ref: record.entityRef,
    action: record.action,
    outcome: record.outcome,
    cluster: record.cluster,
    namespace: record.namespace,
    virtual_service: record.virtualService ?? null,
    route_kind: record.routeKind ?? null,
    workload: record.workload ?? null,
    route: record.route === undefined ? null : String(record.route),
    weights_before: toJson(record.weightsBefore),
    weights_after: toJson(record.weightsAfter),
    resource_version_before: record.resourceVersionBefore ?? null,
    resource_version_after: record.resourceVersionAfter ?? null,
    reason: record.reason ?? null,
    message: record.message ?? null,
    request_id: record.requestId ?? null,
  };
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) {
    return DEFAULT_LIMIT;
  }
  return Math.min(MAX_LIMIT, Math.max(1, Math.floor(limit)));
}

function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): number {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  // Buffer decoding skips characters it does not know, so also require that
  // the cursor is exactly what encodeCursor would have produced.
  if (!/^[1-9][0-9]{0,15}$/.test(id) || encodeCursor(id) !== cursor) {
    throw new InputError(`Malformed audit cursor '${cursor}'`);
  }
  const value = Number(id);
  if (!Number.isSafeInteger(value)) {
    throw new InputError(`Malformed audit cursor '${cursor}'`);
  }
  return value;
}

function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

function toAuditRecord(row: RawDbAuditRecordRow): AuditRecord {
  const record: AuditRecord = {
    id: String(row.id),
    createdAt: toIsoString(row.created_at),
    entityRef: row.entity_ref,
    action: row.action,
    outcome: row.outcome as AuditOutcome,
    cluster: row.cluster,
    namespace: row.namespace,
  };
  // Absent rather than null, the same shape as the NewAuditRecord appended.
  const optional: Partial<Record<keyof AuditRecord, string | null>> = {
    actor: row.actor,
    approver: row.approver,
    virtualService: row.virtual_service,
    routeKind: row.route_kind,
    workload: row.workload,
    route: row.route,
    resourceVersionBefore: row.resource_version_before,
    resourceVersionAfter: row.resource_version_after,
    reason: row.reason,
    message: row.message,
    requestId: row.request_id,
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== null) {
      Object.assign(record, { [key]: value });
    }
  }
  if (row.weights_before !== null) {
    record.weightsBefore = JSON.parse(row.weights_before);
  }
  if (row.weights_after !== null) {
    record.weightsAfter = JSON.parse(row.weights_after);
  }
  return record;
}
