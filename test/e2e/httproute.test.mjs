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

// A Gateway API HTTPRoute in real Chromium: the demo's inventory service
// splits traffic with the HTTPRoute demo/inventory (seed
// test/cluster/seed/95-inventory-httproute.yaml: rule 0 sends 90% to the
// Service inventory-v1 and 10% to inventory-v2). Its tab shows the kind,
// the split and the canary; bob of another team may only ask; alice
// promotes it a step by clicking, and the HTTPRoute in the API server, the
// tab and the audit trail all follow.
// Run by scripts/e2e, which starts the demo and sets ISTIO_ROLLOUTS_E2E_CLUSTER.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  APP,
  getJson,
  page,
  patchJson,
  pluginApi,
  signInAs,
  useChromium,
} from './lib.mjs';

const HTTP_ROUTE =
  '/apis/gateway.networking.k8s.io/v1/namespaces/demo/httproutes/inventory';
const TAB = `${APP}/catalog/default/component/inventory/istio-rollouts`;
const ENTITY = '/entities/default/component/inventory';

/** Rule 0's backendRefs as the API server holds them: [[name, weight], …]. */
async function clusterSplit() {
  const route = await getJson(HTTP_ROUTE);
  return route.spec.rules[0].backendRefs.map(b => [b.name, b.weight]);
}

const SEEDED = [
  ['inventory-v1', 90],
  ['inventory-v2', 10],
];

/** Puts rule 0 back at 90/10, as seeded, when something moved it. */
async function restoreSeed() {
  if (JSON.stringify(await clusterSplit()) === JSON.stringify(SEEDED)) return;
  await patchJson(HTTP_ROUTE, [
    {
      op: 'test',
      path: '/spec/rules/0/backendRefs/0/name',
      value: 'inventory-v1',
    },
    {
      op: 'test',
      path: '/spec/rules/0/backendRefs/1/name',
      value: 'inventory-v2',
    },
    { op: 'replace', path: '/spec/rules/0/backendRefs/0/weight', value: 90 },
    { op: 'replace', path: '/spec/rules/0/backendRefs/1/weight', value: 10 },
  ]);
}

/** Waits until the permission checks behind the tab's buttons are done. */
async function permissionsSettled() {
  await page
    .waitForFunction(
      () => !document.body.innerText.includes('Checking your permissions'),
      null,
      { timeout: 30_000 },
    )
    .catch(() => {});
}

/**
 * Fails with the tab's own words when it offers no actions on the rule
 * (the backend marks a route it would refuse to change as read-only).
 */
async function assertNotReadOnly() {
  const readOnly = page.getByText(/^Read-only here: /);
  if (await readOnly.count()) {
    assert.fail(
      `the tab shows rule 0 of demo/inventory read-only: ${await readOnly
        .first()
        .textContent()}`,
    );
  }
}

useChromium({ width: 1400, height: 1100 });

describe('inventory: a Gateway API HTTPRoute released from the tab', () => {
  const started = new Date();

  before(async () => {
    // Independent of order: start from the seeded split, whatever ran before.
    await restoreSeed();
    assert.deepEqual(await clusterSplit(), SEEDED);
  });

  after(async () => {
    // Leave the demo as it was seeded for the other browser tests.
    await restoreSeed();
  });

  it('shows the HTTPRoute, its rule, the 90/10 split and the canary', async () => {
    await signInAs('alice');
    await page.goto(TAB);
    await page.getByText('demo/inventory', { exact: true }).waitFor();
    await page.getByText(/^HTTPRoute · cluster /).waitFor();
    const rule = page.getByTestId('route-0');
    await rule.getByText('Rule 0', { exact: true }).waitFor();
    await rule.getByText('Canary', { exact: true }).waitFor();
    await rule
      .getByText(
        'Canary: 10% of traffic goes to inventory-v2, 90% stays on inventory-v1',
      )
      .waitFor();
    await rule
      .getByRole('img', {
        name: 'Traffic split: inventory-v1 90%, inventory-v2 10%',
      })
      .waitFor();
    await page.screenshot({
      path: `${process.cwd()}/.state/e2e-httproute.png`,
      fullPage: true,
    });
  });

  it('lets bob of another team only ask, and the backend refuses his direct write', async () => {
    await signInAs('bob');
    await page.goto(TAB);
    await page.getByText(/^HTTPRoute · cluster /).waitFor();
    await permissionsSettled();
    await assertNotReadOnly();
    // As on the VirtualServices: a promotion becomes a request, and what
    // cannot be requested (a rollback) is disabled.
    await page
      .getByRole('button', { name: 'Request promotion to 25%' })
      .waitFor({ timeout: 30_000 });
    assert.equal(
      await page.getByRole('button', { name: 'Promote to 25%' }).count(),
      0,
    );
    assert.equal(
      await page
        .getByRole('button', { name: 'Roll back' })
        .first()
        .isDisabled(),
      true,
    );

    // Sent around the UI, his promotion is refused — even as a dry run.
    const view = await pluginApi('bob', `${ENTITY}/view`);
    assert.equal(view.status, 200);
    const cluster = view.json.clusters.find(c =>
      c.virtualServices.some(
        vs => vs.kind === 'HTTPRoute' && vs.name === 'inventory',
      ),
    )?.cluster;
    assert.ok(cluster, 'the view has no HTTPRoute demo/inventory');
    const refused = await pluginApi('bob', `${ENTITY}/route-actions`, {
      method: 'POST',
      body: {
        target: {
          cluster,
          namespace: 'demo',
          virtualService: 'inventory',
          route: 0,
          kind: 'HTTPRoute',
        },
        operation: { type: 'promote-next', steps: [10, 25, 50, 100] },
        dryRun: true,
      },
    });
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
    assert.deepEqual(await clusterSplit(), SEEDED);
  });

  it('lets alice promote it to the next step, and the cluster, the tab and the audit follow', async () => {
    await signInAs('alice');
    await page.goto(TAB);
    await page.getByText(/^HTTPRoute · cluster /).waitFor();
    await permissionsSettled();
    await assertNotReadOnly();
    const rule = page.getByTestId('route-0');
    const promote = rule.getByRole('button', { name: 'Promote to 25%' });
    await promote.waitFor({ timeout: 30_000 });
    await page.waitForFunction(
      el => el && !el.disabled,
      await promote.elementHandle(),
      { timeout: 30_000 },
    );
    await promote.click();
    const dialog = page.getByRole('dialog');
    await dialog
      .getByText(
        "inventory-v2 will get 25% of this rule's traffic (now 10%); inventory-v1 keeps 75%.",
      )
      .waitFor();
    await dialog
      .getByLabel('Reason (optional)')
      .fill('stock counts match (e2e)');
    await dialog.getByRole('button', { name: 'Promote to 25%' }).click();
    await dialog.waitFor({ state: 'detached' });

    // (a) The tab shows the result and the new split; a refusal is shown
    // as an alert under the rule, with the backend's words.
    const failure = rule.getByRole('alert');
    await Promise.race([
      rule.getByText(/Applied: inventory-v1 75% · inventory-v2 25%/).waitFor(),
      failure.waitFor().then(
        async () =>
          assert.fail(`the promote failed: ${await failure.textContent()}`),
        // No alert in time: the other branch decides.
        () => new Promise(() => {}),
      ),
    ]);
    await rule
      .getByRole('img', {
        name: 'Traffic split: inventory-v1 75%, inventory-v2 25%',
      })
      .waitFor();

    // (b) The API server holds the new weights on the HTTPRoute itself.
    assert.deepEqual(await clusterSplit(), [
      ['inventory-v1', 75],
      ['inventory-v2', 25],
    ]);

    // (c) The audit trail records who promoted what, before and after,
    // naming the HTTPRoute; the tab's History shows it.
    const history = await pluginApi('alice', `${ENTITY}/history?limit=50`);
    assert.equal(history.status, 200, JSON.stringify(history.json));
    const record = history.json.items.find(
      r =>
        r.action === 'promote-next' &&
        r.virtualService === 'inventory' &&
        Date.parse(r.createdAt) >= started.getTime() - 1_000,
    );
    assert.ok(
      record,
      `no promote-next record for inventory among ${JSON.stringify(
        history.json.items.map(r => [r.action, r.virtualService, r.outcome]),
      )}`,
    );
    assert.equal(record.outcome, 'applied');
    assert.equal(record.actor, 'user:default/alice');
    assert.equal(record.routeKind, 'HTTPRoute');
    assert.equal(record.reason, 'stock counts match (e2e)');
    const split = snapshot =>
      snapshot.destinations.map(d => [d.host, d.weight]);
    assert.deepEqual(split(record.weightsBefore), SEEDED);
    assert.deepEqual(split(record.weightsAfter), [
      ['inventory-v1', 75],
      ['inventory-v2', 25],
    ]);
    await page
      .getByText(
        /inventory-v1 90% · inventory-v2 10% → inventory-v1 75% · inventory-v2 25%/,
      )
      .first()
      .waitFor();
    await page.screenshot({
      path: `${process.cwd()}/.state/e2e-httproute-promoted.png`,
      fullPage: true,
    });
  });
});
