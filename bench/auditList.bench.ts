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

// Benchmark of the audit trail listing (DatabaseAuditStore.list) over a
// realistic trail, on a SQLite file and on a real PostgreSQL, in one run:
// the entity tab's first page, a cursor followed 20 pages deep, and an
// entity + outcome + time range filter. Next to it, on the same data: the
// same store calls with the (entity_ref, id) index dropped, and OFFSET
// pagination instead of the cursor. Goal: p99 <= 50 ms for the entity's
// first page on each database. Run with ./bench/run auditList.
//
// Size (override with env): BENCH_RECORDS=100000 BENCH_ENTITIES=300
// BENCH_QUERIES=500

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import { DatabaseAuditStore } from '../plugins/istio-rollouts-backend/src/database/DatabaseAuditStore';
import { ListAuditRecordsOptions } from '../plugins/istio-rollouts-backend/src/database/AuditStore';

import { log, percentile, summary } from './lib/stats';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startPostgres } = require('../test/postgres/postgres.js');

const RECORDS = Number(process.env.BENCH_RECORDS ?? 100_000);
const ENTITIES = Number(process.env.BENCH_ENTITIES ?? 300);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 500);
const NAIVE_QUERIES = Math.max(20, Math.round(QUERIES / 5));
const FILTER_QUERIES = Math.max(20, Math.round((QUERIES * 3) / 5));
const WARMUP = 50;
const PAGE = 50;
const DEEP_PAGES = 20;
const DEEP_WALKS = 10;
const DEEPEST_QUERIES = 50;
const GOAL_P99_MS = 50;

const TABLE = 'istio_rollouts_audit_records';
const ENTITY_INDEX = 'istio_rollouts_audit_entity_id_idx';
const DAY = 24 * 60 * 60 * 1000;
// A fixed end of the trail, so every run seeds exactly the same rows.
const END = Date.parse('2026-06-01T00:00:00Z');
const START = END - 90 * DAY;
const SEED = 20261126;

type Random = () => number;

/** mulberry32: small, fast and deterministic for a given seed. */
function prng(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks from `choices` with the given weights (need not sum to 1). */
function weighted<T>(random: Random, choices: ReadonlyArray<[T, number]>): T {
  const total = choices.reduce((sum, [, w]) => sum + w, 0);
  let r = random() * total;
  for (const [value, w] of choices) {
    r -= w;
    if (r < 0) return value;
  }
  return choices[choices.length - 1][0];
}

const entityRef = (n: number) => `component:default/svc-${n}`;

/**
 * Which entity each record is for: Zipf-like (s = 1), so a few services
 * carry most of the trail and the quietest ones have a few dozen records.
 * Ranks are shuffled so the busiest service is not svc-0.
 */
function entityPicker(random: Random): () => number {
  const ranks = Array.from({ length: ENTITIES }, (_, i) => i);
  for (let i = ranks.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [ranks[i], ranks[j]] = [ranks[j], ranks[i]];
  }
  const cumulative: number[] = [];
  let sum = 0;
  for (let k = 0; k < ENTITIES; k++) {
    sum += 1 / (k + 1);
    cumulative.push(sum);
  }
  return () => {
    const r = random() * sum;
    let lo = 0;
    let hi = ENTITIES - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > r) hi = mid;
      else lo = mid + 1;
    }
    return ranks[lo];
  };
}

const ACTIONS: ReadonlyArray<[string, number]> = [
  ['promote-next', 45],
  ['set-weights', 25],
  ['scale', 20],
  ['rollback', 10],
];
const OUTCOMES: ReadonlyArray<[ListAuditRecordsOptions['outcome'], number]> = [
  ['applied', 86],
  ['failed', 6],
  ['denied', 4],
  ['stale', 2.5],
  ['expired', 1.5],
];
const CLUSTERS = ['prod-eu-1', 'prod-us-1', 'staging'];
const MESSAGES: Record<string, string> = {
  failed: 'admission webhook "validation.istio.io" denied the request',
  denied: 'user is not allowed to perform istio.rollouts.route.write',
  stale:
    'the VirtualService changed since it was read (resourceVersion mismatch)',
  expired: 'the approval request expired before it was approved',
};

/**
 * The rows of the trail as the store would have written them, id order
 * (oldest first). Same seed, same rows: both databases get identical data.
 */
function* auditRows(): Generator<Record<string, unknown>> {
  const random = prng(SEED);
  const pickEntity = entityPicker(random);
  const hex = (n: number) =>
    Array.from({ length: n }, () =>
      Math.floor(random() * 16).toString(16),
    ).join('');
  const step = (END - START) / RECORDS;
  let resourceVersion = 100_000;
  for (let i = 0; i < RECORDS; i++) {
    const n = pickEntity();
    const action = weighted(random, ACTIONS);
    const outcome = weighted(random, OUTCOMES)!;
    const service = `svc-${n}`;
    const isScale = action === 'scale';
    const canary = [0, 5, 10, 25, 50, 75, 100][Math.floor(random() * 7)];
    const next = Math.min(100, canary + 25);
    const split = (weight: number, index: number) =>
      JSON.stringify({
        index,
        destinations: [
          { host: service, subset: 'v1', weight: 100 - weight },
          { host: service, subset: 'v2', weight },
        ],
      });
    const replicas = 1 + Math.floor(random() * 6);
    resourceVersion += 1 + Math.floor(random() * 50);
    const applied = outcome === 'applied';
    let route: string | null = null;
    if (!isScale) route = random() < 0.5 ? 'primary' : '0';
    yield {
      // Increasing with id, spread over 90 days.
      created_at: new Date(
        Math.floor(START + i * step + random() * step * 0.9),
      ),
      actor:
        outcome === 'expired'
          ? null
          : `user:default/user-${Math.floor(random() * 20)}`,
      approver:
        action === 'rollback' && random() < 0.5
          ? `user:default/user-${Math.floor(random() * 20)}`
          : null,
      entity_ref: entityRef(n),
      action,
      outcome,
      cluster: CLUSTERS[n % CLUSTERS.length],
      namespace: `team-${n % 25}`,
      virtual_service: isScale ? null : service,
      workload: isScale ? `${service}-v2` : null,
      route,
      weights_before: isScale ? JSON.stringify({ replicas }) : split(canary, 1),
      weights_after: isScale
        ? JSON.stringify({ replicas: replicas + 1 })
        : split(action === 'rollback' ? 0 : next, 1),
      resource_version_before: String(resourceVersion),
      resource_version_after: applied ? String(resourceVersion + 1) : null,
      reason:
        random() < 0.3 ? 'canary healthy for 30 min, error rate 0.1%' : null,
      message: applied ? null : MESSAGES[outcome!],
      request_id: `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
    };
  }
}

/**
 * Bulk insert in transactions, batches sized to the database's limits on
 * bound parameters and (SQLite) on the terms of the compound SELECT that
 * knex turns a multi-row insert into.
 */
async function seedTrail(db: Knex, limits: Limits): Promise<number> {
  const t0 = performance.now();
  const columns = Object.keys(auditRows().next().value!).length;
  const batchSize = Math.min(
    limits.maxRows,
    Math.floor(limits.maxParams / columns),
  );
  const insert = (rows: Record<string, unknown>[]) =>
    db.transaction(async trx => {
      for (let i = 0; i < rows.length; i += batchSize) {
        await trx(TABLE).insert(rows.slice(i, i + batchSize));
      }
    });
  // 20 batches per transaction.
  let chunk: Record<string, unknown>[] = [];
  for (const row of auditRows()) {
    chunk.push(row);
    if (chunk.length === 20 * batchSize) {
      await insert(chunk);
      chunk = [];
    }
  }
  if (chunk.length) await insert(chunk);
  return performance.now() - t0;
}

type Limits = { maxParams: number; maxRows: number };

type Timed = { ms: number[]; slowest: { ms: number; what: string } };

async function time(
  samples: number,
  warmup: number,
  run: (i: number) => Promise<string>,
): Promise<Timed> {
  for (let i = 0; i < warmup; i++) await run(-1 - i);
  (global as any).gc?.();
  const ms: number[] = [];
  let slowest = { ms: 0, what: '' };
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    const what = await run(i);
    const elapsed = performance.now() - t;
    ms.push(elapsed);
    if (elapsed > slowest.ms) slowest = { ms: elapsed, what };
  }
  return { ms, slowest };
}

/** The SQL the store sends for `options`, captured from knex's query event. */
async function storeSql(
  db: Knex,
  store: DatabaseAuditStore,
  options: ListAuditRecordsOptions,
): Promise<{ sql: string; bindings: readonly unknown[] }> {
  let captured: { sql: string; bindings: readonly unknown[] } | undefined;
  const onQuery = (q: { sql: string; bindings: readonly unknown[] }) => {
    captured = { sql: q.sql.replace(/\$\d+/g, '?'), bindings: q.bindings };
  };
  db.on('query', onQuery);
  try {
    await store.list(options);
  } finally {
    db.removeListener('query', onQuery);
  }
  return captured!;
}

/** The query plan of the store's query for `options`, on one line per node. */
async function plan(
  db: Knex,
  store: DatabaseAuditStore,
  options: ListAuditRecordsOptions,
): Promise<string[]> {
  const { sql, bindings } = await storeSql(db, store, options);
  if (db.client.config.client === 'pg') {
    const result = await db.raw(
      `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) ${sql}`,
      bindings as Knex.RawBinding[],
    );
    return result.rows
      .map((r: any) => String(r['QUERY PLAN']).trim())
      .filter((line: string) => !line.startsWith('Planning Time'));
  }
  const rows = await db.raw(
    `EXPLAIN QUERY PLAN ${sql}`,
    bindings as Knex.RawBinding[],
  );
  return rows.map((r: any) => String(r.detail));
}

type Results = {
  name: string;
  seedMs: number;
  busiest: { ref: string; count: number }[];
  quietest: { ref: string; count: number };
  firstPage: Timed;
  deepPage: Timed;
  deepWalk: number[];
  filtered: Timed;
  filteredRowsPerQuery: number;
  offsetDeepPage: Timed;
  offsetWalk: number[];
  rawKeysetDeepPage: Timed;
  rawKeysetWalk: number[];
  deepest: { page: number; store: Timed; keyset: Timed; offset: Timed };
  noIndexFirstPage: Timed;
  noIndexDeepPage: Timed;
  noIndexFiltered: Timed;
  plans: { label: string; lines: string[] }[];
};

/** Seeds the trail into `db`, then measures the store's list() on it. */
async function measure(
  name: string,
  db: Knex,
  limits: Limits,
): Promise<Results> {
  const store = await DatabaseAuditStore.create({
    database: { getClient: async () => db, migrations: { skip: false } },
  });
  log(`${name}: seeding ${RECORDS} records`);
  const seedMs = await seedTrail(db, limits);
  log(`${name}: seeded in ${(seedMs / 1000).toFixed(1)}s`);
  if (name === 'PostgreSQL') {
    // What autovacuum would have done after the load; done now so that it
    // does not change plans in the middle of the measurement.
    await db.raw(`ANALYZE ${TABLE}`);
  }
  const counts: { ref: string; count: number }[] = (
    await db(TABLE)
      .select('entity_ref')
      .count({ count: '*' })
      .groupBy('entity_ref')
      .orderBy('count', 'desc')
  ).map((r: any) => ({ ref: r.entity_ref, count: Number(r.count) }));
  const busiest = counts.slice(0, 3);
  const quietest = counts[counts.length - 1];
  // The entities the cursor walks go through: the busiest, if deep enough.
  const walkable = busiest.filter(b => b.count > DEEP_PAGES * PAGE);
  if (!walkable.length) {
    throw new Error(
      `No entity has ${DEEP_PAGES} pages of records; raise BENCH_RECORDS`,
    );
  }

  // The same query sequence on both databases and in both variants.
  // Entities that have records (all of them at the default size).
  const entityAt = (i: number) =>
    counts[Math.floor(prng(SEED + 1 + i)() * counts.length)].ref;
  const filterAt = (i: number): ListAuditRecordsOptions => {
    const random = prng(SEED + 100_000 + i);
    const span = (7 + Math.floor(random() * 24)) * DAY;
    const from = START + random() * (END - START - span);
    return {
      entityRef: counts[Math.floor(random() * counts.length)].ref,
      outcome: weighted(
        random,
        OUTCOMES.map(([o]) => [o, 1]),
      ),
      from: new Date(from),
      to: new Date(from + span),
      limit: PAGE,
    };
  };
  const describe = (o: ListAuditRecordsOptions) =>
    `${o.entityRef}${o.outcome ? ` ${o.outcome}` : ''}${
      o.from
        ? ` ${o.from.toISOString().slice(0, 10)}..${o
            .to!.toISOString()
            .slice(0, 10)}`
        : ''
    }`;

  const firstPage = async (i: number) => {
    const options = { entityRef: entityAt(i), limit: PAGE };
    const { items } = await store.list(options);
    if (items.length === 0)
      throw new Error(`no records for ${describe(options)}`);
    return describe(options);
  };
  let filteredRows = 0;
  const filtered = async (i: number) => {
    const options = filterAt(i);
    const { items } = await store.list(options);
    if (i >= 0) filteredRows += items.length;
    return describe(options);
  };
  // Follows the cursor DEEP_PAGES pages into one of the busiest entities;
  // records each page's time in `pages`.
  const walk = async (i: number, pages: number[]) => {
    const ref = walkable[Math.abs(i) % walkable.length].ref;
    let cursor: string | undefined;
    const t0 = performance.now();
    for (let p = 0; p < DEEP_PAGES; p++) {
      const t = performance.now();
      const page = await store.list({ entityRef: ref, limit: PAGE, cursor });
      pages.push(performance.now() - t);
      cursor = page.nextCursor;
      if (!cursor) throw new Error(`${ref} has fewer than ${DEEP_PAGES} pages`);
    }
    return performance.now() - t0;
  };
  // OFFSET against keyset outside the store, on equal terms: the same
  // SELECT * on the same (indexed) table, rows' JSON parsed as the store
  // does, only the paging clause differs.
  const rawPage = async (
    ref: string,
    page: { offset: number } | { beforeId: number },
  ) => {
    const query = db(TABLE).where('entity_ref', ref);
    if ('beforeId' in page) query.where('id', '<', page.beforeId);
    else query.offset(page.offset);
    const rows = await query.orderBy('id', 'desc').limit(PAGE + 1);
    for (const row of rows.slice(0, PAGE)) {
      JSON.parse(row.weights_before);
      JSON.parse(row.weights_after);
    }
    return rows.length > PAGE ? Number(rows[PAGE - 1].id) : undefined;
  };
  const rawWalk =
    (paging: 'offset' | 'keyset') => async (i: number, pages: number[]) => {
      const ref = walkable[Math.abs(i) % walkable.length].ref;
      let beforeId: number | undefined;
      const t0 = performance.now();
      for (let p = 0; p < DEEP_PAGES; p++) {
        const t = performance.now();
        const last = await rawPage(
          ref,
          paging === 'offset' || beforeId === undefined
            ? { offset: p * PAGE }
            : { beforeId },
        );
        pages.push(performance.now() - t);
        beforeId = last;
      }
      return performance.now() - t0;
    };
  const deep = async (
    walker: (i: number, pages: number[]) => Promise<number>,
  ) => {
    await walker(-1, []);
    const pages: number[] = [];
    const walks: number[] = [];
    const lastPages: number[] = [];
    for (let i = 0; i < DEEP_WALKS; i++) {
      const before = pages.length;
      walks.push(await walker(i, pages));
      lastPages.push(pages[pages.length - 1]);
      if (pages.length - before !== DEEP_PAGES) throw new Error('short walk');
    }
    return {
      // Per page over all walks; slowest is the 20th page.
      page: {
        ms: pages,
        slowest: {
          ms: Math.max(...lastPages),
          what: `page ${DEEP_PAGES}`,
        },
      },
      walks,
    };
  };

  log(`${name}: first page by entity (${QUERIES} queries)`);
  const first = await time(QUERIES, WARMUP, firstPage);
  log(`${name}: cursor ${DEEP_PAGES} pages deep (${DEEP_WALKS} walks)`);
  const keyset = await deep(walk);
  log(`${name}: entity + outcome + time range (${FILTER_QUERIES} queries)`);
  const filter = await time(FILTER_QUERIES, WARMUP, filtered);
  const filteredRowsPerQuery = filteredRows / FILTER_QUERIES;
  log(`${name}: OFFSET against keyset, ${DEEP_PAGES} pages and deepest page`);
  const offset = await deep(rawWalk('offset'));
  const rawKeyset = await deep(rawWalk('keyset'));
  // The busiest entity's last full page, straight from a cursor (as after
  // following it all the way) and by OFFSET.
  const deepestOffset = (Math.floor(busiest[0].count / PAGE) - 1) * PAGE;
  const [{ id: previousId }] = await db(TABLE)
    .select('id')
    .where('entity_ref', busiest[0].ref)
    .orderBy('id', 'desc')
    .offset(deepestOffset - 1)
    .limit(1);
  const deepestCursor = Buffer.from(String(previousId)).toString('base64url');
  const deepestStore = await time(DEEPEST_QUERIES, 5, async () => {
    const { items } = await store.list({
      entityRef: busiest[0].ref,
      limit: PAGE,
      cursor: deepestCursor,
    });
    if (items.length !== PAGE) throw new Error('deepest page is not full');
    return '';
  });
  const deepestKeyset = await time(DEEPEST_QUERIES, 5, async () => {
    await rawPage(busiest[0].ref, { beforeId: Number(previousId) });
    return '';
  });
  const deepestOffsetMs = await time(DEEPEST_QUERIES, 5, async () => {
    await rawPage(busiest[0].ref, { offset: deepestOffset });
    return '';
  });

  const busiestRef = busiest[0].ref;
  const plans: { label: string; lines: string[] }[] = [];
  const worstFilter: ListAuditRecordsOptions = {
    entityRef: busiestRef,
    outcome: 'expired',
    from: new Date(START),
    to: new Date(START + 14 * DAY),
    limit: PAGE,
  };
  const storePlans = async (suffix: string) => {
    plans.push({
      label: `first page, quietest entity${suffix}`,
      lines: await plan(db, store, { entityRef: quietest.ref, limit: PAGE }),
    });
    plans.push({
      label: `first page, busiest entity${suffix}`,
      lines: await plan(db, store, { entityRef: busiestRef, limit: PAGE }),
    });
    plans.push({
      label: `busiest entity, expired, oldest 14 days${suffix}`,
      lines: await plan(db, store, worstFilter),
    });
  };
  await storePlans('');

  // Naive: the same store calls on the same rows without the migration's
  // (entity_ref, id) index.
  await db.schema.alterTable(TABLE, table => table.dropIndex([], ENTITY_INDEX));
  if (name === 'PostgreSQL') await db.raw(`ANALYZE ${TABLE}`);
  log(`${name}: without the (entity_ref, id) index`);
  const noIndexFirst = await time(NAIVE_QUERIES, 10, firstPage);
  const noIndexDeep = await deep(walk);
  const noIndexFilter = await time(NAIVE_QUERIES, 10, filtered);
  await storePlans(', NO (entity_ref, id) index');

  return {
    name,
    seedMs,
    busiest,
    quietest,
    firstPage: first,
    deepPage: keyset.page,
    deepWalk: keyset.walks,
    filtered: filter,
    filteredRowsPerQuery,
    offsetDeepPage: offset.page,
    offsetWalk: offset.walks,
    rawKeysetDeepPage: rawKeyset.page,
    rawKeysetWalk: rawKeyset.walks,
    deepest: {
      page: deepestOffset / PAGE + 1,
      store: deepestStore,
      keyset: deepestKeyset,
      offset: deepestOffsetMs,
    },
    noIndexFirstPage: noIndexFirst,
    noIndexDeepPage: noIndexDeep.page,
    noIndexFiltered: noIndexFilter,
    plans,
  };
}

function ratio(naive: number[], ours: number[], p: number) {
  return `${(percentile(naive, p) / percentile(ours, p)).toFixed(1)}x`;
}

function report(r: Results) {
  const pad = (s: string) => s.padEnd(50);
  console.log('');
  console.log(
    `${r.name}: ${RECORDS} records, ${ENTITIES} entities, seeded in ${(
      r.seedMs / 1000
    ).toFixed(1)}s; busiest ${r.busiest
      .map(b => `${b.ref} (${b.count})`)
      .join(', ')}; quietest ${r.quietest.ref} (${r.quietest.count})`,
  );
  console.log(`  through DatabaseAuditStore.list(), limit ${PAGE}:`);
  console.log(
    `    ${pad(`first page by entity (${r.firstPage.ms.length}):`)}${summary(
      r.firstPage.ms,
    )}`,
  );
  console.log(
    `    ${pad(
      `cursor pages 1-${DEEP_PAGES}, busiest 3 (${r.deepPage.ms.length}):`,
    )}${summary(r.deepPage.ms)}; whole walk p50 ${percentile(
      r.deepWalk,
      50,
    ).toFixed(1)} ms`,
  );
  console.log(
    `    ${pad(
      `entity + outcome + time range (${r.filtered.ms.length}):`,
    )}${summary(r.filtered.ms)}; ${r.filteredRowsPerQuery.toFixed(
      1,
    )} rows/page on average`,
  );
  console.log(
    `    ${pad(
      'slowest entity + outcome + range:',
    )}${r.filtered.slowest.ms.toFixed(2)} ms (${r.filtered.slowest.what})`,
  );
  console.log(`  naive, same data:`);
  console.log(
    `    ${pad(
      `first page, no (entity_ref, id) index (${r.noIndexFirstPage.ms.length}):`,
    )}${summary(r.noIndexFirstPage.ms)}  -> index buys ${ratio(
      r.noIndexFirstPage.ms,
      r.firstPage.ms,
      50,
    )} at p50, ${ratio(r.noIndexFirstPage.ms, r.firstPage.ms, 99)} at p99`,
  );
  console.log(
    `    ${pad(
      `cursor pages, no index (${r.noIndexDeepPage.ms.length}):`,
    )}${summary(r.noIndexDeepPage.ms)}  -> ${ratio(
      r.noIndexDeepPage.ms,
      r.deepPage.ms,
      50,
    )} at p50, ${ratio(r.noIndexDeepPage.ms, r.deepPage.ms, 99)} at p99`,
  );
  console.log(
    `    ${pad(
      `entity + outcome + range, no index (${r.noIndexFiltered.ms.length}):`,
    )}${summary(r.noIndexFiltered.ms)}  -> ${ratio(
      r.noIndexFiltered.ms,
      r.filtered.ms,
      50,
    )} at p50, ${ratio(r.noIndexFiltered.ms, r.filtered.ms, 99)} at p99`,
  );
  console.log(
    `  OFFSET against keyset, both as raw knex SELECT * with the index:`,
  );
  console.log(
    `    ${pad(
      `OFFSET pages 1-${DEEP_PAGES} (${r.offsetDeepPage.ms.length}):`,
    )}${summary(r.offsetDeepPage.ms)}; whole walk p50 ${percentile(
      r.offsetWalk,
      50,
    ).toFixed(1)} ms`,
  );
  console.log(
    `    ${pad(
      `keyset pages 1-${DEEP_PAGES} (${r.rawKeysetDeepPage.ms.length}):`,
    )}${summary(r.rawKeysetDeepPage.ms)}; whole walk p50 ${percentile(
      r.rawKeysetWalk,
      50,
    ).toFixed(1)} ms`,
  );
  const d = r.deepest;
  console.log(
    `    ${pad(`page ${d.page} of ${r.busiest[0].ref}, OFFSET:`)}${summary(
      d.offset.ms,
    )}`,
  );
  console.log(
    `    ${pad(`page ${d.page}, keyset:`)}${summary(
      d.keyset.ms,
    )}  -> keyset buys ${ratio(d.offset.ms, d.keyset.ms, 50)} at p50`,
  );
  console.log(
    `    ${pad(`page ${d.page}, store.list() with its cursor:`)}${summary(
      d.store.ms,
    )}`,
  );
  console.log(`  query plans of the store's SELECT:`);
  for (const p of r.plans) {
    console.log(`    ${p.label}:`);
    for (const line of p.lines) console.log(`      ${line}`);
  }
}

async function main() {
  const results: Results[] = [];

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'istio-rollouts-audit-'));
  const sqlite = knexFactory({
    client: 'better-sqlite3',
    connection: { filename: path.join(dir, 'audit.sqlite') },
    useNullAsDefault: true,
  });
  try {
    // better-sqlite3 bundles SQLite >= 3.32: 32766 bound parameters, and
    // SQLITE_MAX_COMPOUND_SELECT is 500.
    results.push(
      await measure('SQLite', sqlite, { maxParams: 32766, maxRows: 500 }),
    );
  } finally {
    await sqlite.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const pg = await startPostgres({ log });
  try {
    const postgres = knexFactory({
      client: 'pg',
      connection: pg.connectionString,
      pool: { min: 1, max: 5 },
    });
    try {
      results.push(
        await measure('PostgreSQL', postgres, {
          maxParams: 65535,
          maxRows: 1000,
        }),
      );
    } finally {
      await postgres.destroy();
    }
  } finally {
    await pg.stop();
  }

  for (const r of results) report(r);
  console.log('');
  console.log(
    `Summary: entity-filtered first page (limit ${PAGE}, ${RECORDS} records), goal p99 <= ${GOAL_P99_MS} ms`,
  );
  let failed = false;
  for (const r of results) {
    const p99 = percentile(r.firstPage.ms, 99);
    const pass = p99 <= GOAL_P99_MS;
    failed ||= !pass;
    console.log(
      `  ${r.name.padEnd(11)} p99 ${p99.toFixed(2).padStart(7)} ms  ${
        pass ? 'PASS' : 'FAIL'
      }   (no index: p99 ${percentile(r.noIndexFirstPage.ms, 99).toFixed(
        2,
      )} ms; cursor page p99 ${percentile(r.deepPage.ms, 99).toFixed(
        2,
      )} ms; entity+outcome+range p99 ${percentile(r.filtered.ms, 99).toFixed(
        2,
      )} ms)`,
    );
  }
  if (failed) process.exitCode = 1;
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
