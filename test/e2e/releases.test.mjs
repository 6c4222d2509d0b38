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

// "Releases in flight" in real Chromium: every demo route that is half-way
// through a release, across the cluster, with its entity, owner and age.
// carol (platform) sees them all, ledger included; a route whose last
// recorded change is ten days old (an audit record backdated in the demo's
// SQLite file) is stale; bob of another team sees only what he may read in
// the catalog, so not ledger (restricted to its owners, see
// packages/backend/src/modules/permissionPolicy.ts).
// Run by scripts/e2e, which starts the demo with its databases in files and
// sets ISTIO_ROLLOUTS_E2E_CLUSTER and ISTIO_ROLLOUTS_E2E_DATABASE.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  APP,
  getJson,
  page,
  pluginApi,
  signInAs,
  until,
  useChromium,
} from './lib.mjs';

// better-sqlite3 as the demo backend itself loads it (its dependency).
const Database = createRequire(
  new URL('../../packages/backend/package.json', import.meta.url),
)('better-sqlite3');

const RELEASES = `${APP}/istio-rollouts-releases`;
const DAY = 86_400_000;
const AUDIT_TABLE = 'istio_rollouts_audit_records';
const BACKDATED_DAYS = 10;
// How the page says how long a route has been so (releaseText's formatAge).
const AGE = /\b(less than a minute|\d+ (minute|hour|day)s?)\b/;
const SUMMARY =
  /(\d+) releases? in flight, (\d+) stale \(older than (\d+) days?\)/;

/** `GET /releases` as a demo person, every row on one page. */
async function releasesAs(user) {
  const res = await pluginApi(user, '/releases?limit=500');
  assert.equal(res.status, 200, JSON.stringify(res.json));
  assert.equal(res.json.nextCursor, undefined, 'more than one page');
  return res.json;
}

/** The rows of the demo's routing object demo/<name>. */
function rowsOf(releases, name, kind = 'VirtualService') {
  return releases.items.filter(
    r => r.namespace === 'demo' && r.name === name && r.kind === kind,
  );
}

/** The one row of demo/<name> with this strategy; fails naming what there is. */
function rowOf(releases, name, strategy, kind = 'VirtualService') {
  const rows = rowsOf(releases, name, kind);
  const found = rows.filter(r => r.strategy === strategy);
  assert.equal(
    found.length,
    1,
    `${kind} demo/${name}: expected one ${strategy} row, got ${JSON.stringify(
      rows.map(r => [r.route, r.strategy, r.explanation]),
    )}`,
  );
  return found[0];
}

/**
 * Polls `GET /releases` as a person until the watch caches hold the demo (the
 * backend answers before it has listed every cluster object) and, when
 * given, a managed row for each of these routing objects.
 */
async function settledReleases(user, managedNames = []) {
  const deadline = Date.now() + 60_000;
  let releases;
  do {
    releases = await releasesAs(user);
    if (
      rowsOf(releases, 'reviews').length &&
      !releases.clusterErrors.length &&
      managedNames.every(name =>
        rowsOf(releases, name).some(r => r.strategy === 'managed'),
      )
    )
      return releases;
    await new Promise(r => setTimeout(r, 1_000));
  } while (Date.now() < deadline);
  assert.fail(
    `the releases never listed demo/reviews${
      managedNames.length ? ` and managed ${managedNames.join(', ')}` : ''
    }: ${JSON.stringify(releases)}`,
  );
}

// Controllers move their routes on their own schedule, and other browser
// tests end both demo releases before this file runs (controllers.test.mjs
// aborts storefront and promotes podinfo). A managed route is one whose
// controller sends part of the traffic to the canary Service.
const MANAGED = [
  ['storefront', 'argo-rollouts'],
  ['podinfo', 'flagger'],
];
const STOREFRONT_ROLLOUT =
  '/apis/argoproj.io/v1alpha1/namespaces/demo/rollouts/storefront';

async function managedNow() {
  const expected = [];
  for (const [name, controller] of MANAGED) {
    const vs = await getJson(
      `/apis/networking.istio.io/v1/namespaces/demo/virtualservices/${name}`,
    );
    const canaryWeight = (vs.spec.http ?? [])
      .flatMap(route => route.route ?? [])
      .filter(d => d.destination.host === `${name}-canary`)
      .reduce((sum, d) => sum + (d.weight ?? 0), 0);
    if (canaryWeight > 0 && canaryWeight < 100) {
      expected.push({ name, controller });
    }
  }
  return expected;
}

/**
 * The managed routes mid-rollout, storefront always among them: when an
 * earlier test aborted it, alice retries the Rollout through the plugin (as
 * `kubectl argo rollouts retry` would) and the real controller takes it back
 * to its first step. Without this the managed rows went unchecked whenever
 * the browser tests ran in their usual order.
 */
async function managedMidRollout() {
  const now = await managedNow();
  if (now.some(m => m.name === 'storefront')) return now;
  const { status } = await getJson(STOREFRONT_ROLLOUT);
  assert.ok(
    status?.abort,
    `storefront is neither mid-rollout nor aborted: ${JSON.stringify(status)}`,
  );
  const retried = await pluginApi(
    'alice',
    '/entities/default/component/storefront/controller-actions',
    {
      method: 'POST',
      body: {
        target: {
          cluster: 'local',
          namespace: 'demo',
          kind: 'Rollout',
          name: 'storefront',
        },
        action: { type: 'argo', action: 'retry' },
        reason: 'e2e: storefront in flight again',
      },
    },
  );
  assert.equal(retried.status, 200, JSON.stringify(retried.json));
  return until(
    'the controller to send storefront traffic to the canary',
    async () => {
      const after = await managedNow();
      return after.some(m => m.name === 'storefront') ? after : undefined;
    },
  );
}

/**
 * The table row of a release: the one that shows the entity's name and the
 * strategy's word (a VirtualService can have routes in several states).
 */
function tableRow(entityName, strategy) {
  return page
    .getByRole('row')
    .filter({ has: page.getByText(entityName, { exact: true }) })
    .filter({ hasText: new RegExp(strategy, 'i') });
}

/** The page's summary line, parsed, once the table has loaded. */
async function summary() {
  const line = page.getByText(SUMMARY).first();
  await line.waitFor();
  const [, total, stale, days] = SUMMARY.exec(await line.textContent());
  return { total: Number(total), stale: Number(stale), days: Number(days) };
}

/**
 * Opens the page and checks its summary against the API's answer to the
 * same person. A controller may move a route between the two reads: then
 * both are read again.
 */
async function openReleasesPage(user) {
  let api;
  let shown;
  for (let attempt = 0; attempt < 3; attempt++) {
    api = await releasesAs(user);
    await page.goto(RELEASES);
    await page
      .getByRole('heading', { name: 'Releases in flight' })
      .first()
      .waitFor();
    shown = await summary();
    if (shown.total === api.total && shown.stale === api.staleTotal) {
      assert.equal(shown.days, api.staleAfterDays);
      return api;
    }
  }
  assert.fail(
    `the page says ${JSON.stringify(shown)}, the API ${JSON.stringify({
      total: api.total,
      stale: api.staleTotal,
    })}`,
  );
}

// The strategy of the demo routes this file looks at, by routing object.
const STRATEGY_OF = {
  reviews: 'canary',
  ratings: 'targeted',
  payments: 'mirror',
  ledger: 'canary',
};

useChromium({ width: 1600, height: 1200 });

describe('Releases in flight', () => {
  let db;

  before(() => {
    const file = process.env.ISTIO_ROLLOUTS_E2E_DATABASE;
    assert.ok(
      file,
      'ISTIO_ROLLOUTS_E2E_DATABASE is not set: run through ./scripts/e2e',
    );
    // The backend holds the same file open: wait for its locks, not fail.
    db = new Database(file, { fileMustExist: true, timeout: 10_000 });
  });

  // The backdated record stays: the trail is append-only, and the plugin
  // reads only the records added since its last look, so a deleted one
  // would still count. scripts/e2e starts every run with empty databases.
  after(() => db?.close());

  it('shows the platform team every route half-way, ledger included, with owner and age', async () => {
    const managed = await managedMidRollout();
    const releases = await settledReleases(
      'carol',
      managed.map(m => m.name),
    );
    assert.equal(releases.staleAfterDays, 7);
    assert.deepEqual(releases.clusterErrors, []);

    const expected = [
      ...Object.entries(STRATEGY_OF).map(([name, strategy]) => ({
        entity: name,
        row: rowOf(releases, name, strategy),
      })),
      {
        entity: 'inventory',
        row: rowOf(releases, 'inventory', 'canary', 'HTTPRoute'),
      },
    ];
    for (const { name, controller } of managed) {
      const row = rowOf(releases, name, 'managed');
      assert.equal(row.managedBy?.controller, controller, name);
      expected.push({ entity: name, row });
    }
    for (const { entity, row } of expected) {
      assert.equal(row.entity?.ref, `component:default/${entity}`, entity);
      assert.equal(row.entity?.owner, 'group:default/team-bookinfo', entity);
      // Dated by the cluster (the seed wrote it minutes ago), unless a
      // record in the audit trail says otherwise (the next test writes one).
      if (row.sinceSource !== 'audit') {
        assert.equal(row.stale, false, `${entity} is stale: ${row.since}`);
      }
    }
    const weights = name =>
      rowOf(releases, name, STRATEGY_OF[name]).split.map(s => s.weight);
    assert.deepEqual(weights('reviews'), [90, 10]);
    assert.deepEqual(weights('ledger'), [80, 20]);
    assert.equal(rowOf(releases, 'payments', 'mirror').mirror?.percentage, 20);

    await signInAs('carol');
    await openReleasesPage('carol');
    for (const { entity, row } of expected) {
      const tr = tableRow(entity, row.strategy);
      await tr.first().waitFor();
      assert.equal(await tr.count(), 1, `${entity}: one ${row.strategy} row`);
      await tr.getByText('team-bookinfo', { exact: true }).waitFor();
      assert.match(await tr.innerText(), AGE, `${entity}: no age shown`);
      assert.equal(
        await tr.getByText('Stale', { exact: true }).count(),
        row.stale ? 1 : 0,
        `${entity}: stale ${row.stale} in the API`,
      );
    }
    await page.screenshot({
      path: `${process.cwd()}/.state/e2e-releases-carol.png`,
      fullPage: true,
    });
  });

  it('marks a route stale whose last recorded change is ten days old', async () => {
    const listed = await settledReleases('carol');
    // A route whose age does not come from the audit trail: then no record
    // of it is newer than the one written below. Reviews last: the other
    // browser tests move it.
    const candidates = ['ratings', 'payments', 'ledger', 'reviews'].map(name =>
      rowOf(listed, name, STRATEGY_OF[name]),
    );
    const target = candidates.find(r => r.sinceSource !== 'audit');
    assert.ok(
      target,
      `every candidate's age comes from the audit: ${JSON.stringify(
        candidates.map(r => [r.name, r.sinceSource, r.since]),
      )}`,
    );
    const recorded = db
      .prepare(
        `SELECT id, route, outcome FROM ${AUDIT_TABLE}
         WHERE cluster = ? AND namespace = ? AND virtual_service = ?
           AND outcome IN ('applied', 'observed')`,
      )
      .all(target.cluster, target.namespace, target.name);
    assert.deepEqual(recorded, [], `${target.name} has records`);

    // The representation the plugin itself writes on SQLite: knex binds a
    // Date as epoch milliseconds.
    for (const { created_at: at } of db
      .prepare(`SELECT created_at FROM ${AUDIT_TABLE} LIMIT 20`)
      .all()) {
      assert.equal(typeof at, 'number', `created_at stored as ${at}`);
    }
    const createdAt = Date.now() - BACKDATED_DAYS * DAY;
    db.prepare(
      `INSERT INTO ${AUDIT_TABLE}
           (created_at, actor, entity_ref, action, outcome, cluster,
            namespace, virtual_service, route, reason)
         VALUES (?, ?, ?, 'promote', 'applied', ?, ?, ?, ?, ?)`,
    ).run(
      createdAt,
      'user:default/alice',
      target.entity.ref,
      target.cluster,
      target.namespace,
      target.name,
      String(target.route.index),
      'backdated by test/e2e/releases.test.mjs',
    );

    const dated = await releasesAs('carol');
    const row = dated.items.find(r => r.key === target.key);
    assert.ok(row, `${target.key} is no longer listed`);
    assert.equal(row.sinceSource, 'audit');
    assert.equal(row.since, new Date(createdAt).toISOString());
    assert.equal(row.stale, true);
    // Only this route became stale.
    const staleKeys = releases =>
      releases.items.filter(r => r.stale).map(r => r.key);
    assert.deepEqual(
      staleKeys(dated).sort(),
      [...staleKeys(listed), target.key].sort(),
    );
    assert.equal(dated.staleTotal, listed.staleTotal + 1);
    // Oldest first.
    const since = dated.items.map(r => Date.parse(r.since));
    assert.deepEqual(
      since,
      [...since].sort((a, b) => a - b),
    );
    const staleOnly = await pluginApi('carol', '/releases?staleOnly=true');
    assert.equal(staleOnly.status, 200, JSON.stringify(staleOnly.json));
    assert.deepEqual(
      staleOnly.json.items.map(r => r.key).sort(),
      staleKeys(dated).sort(),
    );

    await signInAs('carol');
    const onPage = await openReleasesPage('carol');
    assert.equal(onPage.staleTotal, dated.staleTotal);
    for (const [name, strategy] of Object.entries(STRATEGY_OF)) {
      const tr = tableRow(name, strategy);
      await tr.first().waitFor();
      if (name === target.name) {
        await tr.getByText('Stale', { exact: true }).waitFor();
        assert.match(
          await tr.innerText(),
          new RegExp(`\\b${BACKDATED_DAYS} days\\b`),
        );
      } else {
        assert.equal(
          await tr.getByText('Stale', { exact: true }).count(),
          rowOf(dated, name, strategy).stale ? 1 : 0,
          `${name}: stale ${rowOf(dated, name, strategy).stale} in the API`,
        );
      }
    }
    await page.screenshot({
      path: `${process.cwd()}/.state/e2e-releases-stale.png`,
      fullPage: true,
    });
  });

  it('shows bob of another team only what he may read: not ledger, no unbound routes', async () => {
    const releases = await settledReleases('bob');
    assert.ok(rowOf(releases, 'reviews', 'canary'));
    assert.deepEqual(rowsOf(releases, 'ledger'), []);
    assert.deepEqual(
      releases.items.filter(r => !r.entity).map(r => [r.key, r.unbound]),
      [],
    );
    // The platform team does see ledger: bob's answer is filtered, not short.
    const carol = await releasesAs('carol');
    assert.ok(rowsOf(carol, 'ledger').length > 0);
    assert.ok(releases.total < carol.total);

    await signInAs('bob');
    await openReleasesPage('bob');
    await tableRow('reviews', 'canary').first().waitFor();
    assert.equal(await page.getByText('ledger', { exact: true }).count(), 0);
    assert.equal(await page.getByText('Unbound', { exact: true }).count(), 0);
    await page.screenshot({
      path: `${process.cwd()}/.state/e2e-releases-bob.png`,
      fullPage: true,
    });
  });
});
