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

// The demo in real Chromium: each person signs in, each seeded service's tab
// shows the strategy and the percentages that the cluster really holds.
// Run by scripts/e2e, which starts the demo and sets ISTIO_ROLLOUTS_E2E_CLUSTER.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import {
  APP,
  cluster,
  getJson,
  page,
  patchJson,
  signInAs,
  useChromium,
} from './lib.mjs';

// The strategy chip each seeded service must show on some route.
const EXPECTED_STRATEGY = {
  reviews: 'Canary',
  checkout: 'Blue-green',
  ratings: 'Targeted (A/B)',
  payments: 'Mirror',
  catalog: 'Rolling update',
  search: 'Canary',
  storefront: 'Managed',
  podinfo: 'Managed',
  details: 'Rolling update',
};

useChromium({ width: 1400, height: 1000 });

describe('demo sign-in', () => {
  for (const [user, group] of [
    ['alice', 'team-bookinfo'],
    ['bob', 'team-mobile'],
    ['carol', 'platform'],
  ]) {
    it(`signs in as ${user}, a member of ${group}`, async () => {
      await signInAs(user);
      await page.goto(`${APP}/catalog/default/user/${user}`);
      await page.getByText(group).first().waitFor();
      await page.goto(`${APP}/catalog/default/component/reviews`);
      await page.getByRole('tab', { name: 'Istio Rollouts' }).waitFor();
    });
  }

  it('has no Istio Rollouts tab on a service that is not on the mesh', async () => {
    await signInAs('bob');
    await page.goto(`${APP}/catalog/default/component/mobile-app`);
    await page.getByRole('tab', { name: 'Overview' }).waitFor();
    assert.equal(
      await page.getByRole('tab', { name: 'Istio Rollouts' }).count(),
      0,
    );
  });
});

describe('the Istio Rollouts tab of each seeded service', () => {
  before(async () => signInAs('alice'));

  it('shows the compact split on the service overview', async () => {
    await page.goto(`${APP}/catalog/default/component/reviews`);
    await page.getByText('Istio traffic').waitFor();
    await page
      .getByRole('img', { name: /^Traffic split: v1 90%, v2 10%$/ })
      .waitFor();
  });

  for (const [service, strategy] of Object.entries(EXPECTED_STRATEGY)) {
    it(`${service}: shows ${strategy} and the cluster's weights`, async () => {
      const vs = await getJson(
        `/apis/networking.istio.io/v1/namespaces/demo/virtualservices/${service}`,
      );
      await page.goto(
        `${APP}/catalog/default/component/${service}/istio-rollouts`,
      );
      await page.getByText(`demo/${service}`, { exact: true }).waitFor();
      await page.getByText(strategy, { exact: true }).first().waitFor();

      const bars = await page
        .getByRole('img', { name: /^Traffic split:/ })
        .evaluateAll(els => els.map(e => e.getAttribute('aria-label')));
      for (const route of vs.spec.http ?? []) {
        if (route.delegate) continue;
        const destinations = route.route ?? [];
        const weights = destinations.map(d =>
          d.weight === undefined && destinations.length === 1
            ? 100
            : d.weight ?? 0,
        );
        const shown = bars.find(label => {
          const percentages = [...label.matchAll(/ (\d+)%/g)].map(m =>
            Number(m[1]),
          );
          return JSON.stringify(percentages) === JSON.stringify(weights);
        });
        assert.ok(
          shown,
          `no split bar with ${weights.join('/')} among ${JSON.stringify(
            bars,
          )}`,
        );
      }
      await page.screenshot({
        path: `${process.cwd()}/.state/e2e-${service}.png`,
        fullPage: true,
      });
    });
  }
});

describe('moving traffic from the tab', () => {
  const reviews =
    '/apis/networking.istio.io/v1/namespaces/demo/virtualservices/reviews';
  const weights = async () =>
    (await getJson(reviews)).spec.http.at(-1).route.map(r => r.weight);

  after(async () => {
    // Put the demo back as it was seeded.
    await patchJson(reviews, [
      { op: 'replace', path: '/spec/http/0/route/0/weight', value: 90 },
      { op: 'replace', path: '/spec/http/0/route/1/weight', value: 10 },
    ]);
  });

  it('does not let a developer of another team move traffic directly', async () => {
    await signInAs('bob');
    await page.goto(`${APP}/catalog/default/component/reviews/istio-rollouts`);
    // Bob may only ask: the promotion becomes a request, and what cannot be
    // requested (a rollback) is disabled.
    await page
      .getByRole('button', { name: 'Request promotion to 25%' })
      .waitFor();
    await page
      .waitForFunction(
        () => !document.body.innerText.includes('Checking your permissions'),
        null,
        { timeout: 30_000 },
      )
      .catch(() => {});
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
  });

  it('lets the owner promote to the next step, and the cluster follows', async () => {
    await signInAs('alice');
    await page.goto(`${APP}/catalog/default/component/reviews/istio-rollouts`);
    const promote = page.getByRole('button', { name: 'Promote to 25%' });
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('button')].some(
          b => b.textContent?.includes('Promote to 25%') && !b.disabled,
        ),
      null,
      { timeout: 30_000 },
    );
    await promote.click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Promote to 25%' }).click();
    await page.getByText(/Applied: v1 75% · v2 25%/).waitFor();
    await page
      .getByRole('img', { name: 'Traffic split: v1 75%, v2 25%' })
      .waitFor();
    assert.deepEqual(await weights(), [75, 25]);
    await page.screenshot({
      path: `${process.cwd()}/.state/e2e-promoted.png`,
      fullPage: true,
    });
  });
  it('shows a kubectl change in the History within 5 s, attributed to kubectl', async () => {
    // Alice is still on reviews' tab. Someone runs kubectl, as people do.
    execFileSync(cluster.kubectl, [
      '--kubeconfig',
      cluster.kubeconfigs.admin,
      'patch',
      '-n',
      'demo',
      'virtualservice.networking.istio.io',
      'reviews',
      '--type=json',
      '-p',
      JSON.stringify([
        { op: 'replace', path: '/spec/http/0/route/0/weight', value: 70 },
        { op: 'replace', path: '/spec/http/0/route/1/weight', value: 30 },
      ]),
    ]);
    const started = Date.now();
    await page
      .getByText('by kubectl-patch (outside Backstage)')
      .first()
      .waitFor({ timeout: 5_000 });
    assert.ok(Date.now() - started < 5_000);
    await page
      .getByText(/v1 75% · v2 25% → v1 70% · v2 30%/)
      .first()
      .waitFor();
    await page
      .getByRole('img', { name: 'Traffic split: v1 70%, v2 30%' })
      .waitFor();
    // Once, not once per signal or refresh.
    await page.waitForTimeout(1_500);
    assert.equal(
      await page.getByText('by kubectl-patch (outside Backstage)').count(),
      1,
    );
  });
});

describe('asking the owners, and the release audit', () => {
  const reviews =
    '/apis/networking.istio.io/v1/namespaces/demo/virtualservices/reviews';
  const weights = async () =>
    (await getJson(reviews)).spec.http.at(-1).route.map(r => r.weight);
  const reason = `error rate flat for an hour (e2e ${Date.now()})`;

  after(async () => {
    await patchJson(reviews, [
      { op: 'replace', path: '/spec/http/0/route/0/weight', value: 90 },
      { op: 'replace', path: '/spec/http/0/route/1/weight', value: 10 },
    ]);
  });

  it('lets a developer of another team request the next step, changing nothing yet', async () => {
    assert.deepEqual(await weights(), [90, 10]);
    await signInAs('bob');
    await page.goto(`${APP}/catalog/default/component/reviews/istio-rollouts`);
    const request = page.getByRole('button', {
      name: 'Request promotion to 25%',
    });
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('button')].some(
          b =>
            b.textContent?.includes('Request promotion to 25%') && !b.disabled,
        ),
      null,
      { timeout: 30_000 },
    );
    await request.click();
    await page
      .getByRole('dialog')
      .getByLabel(/Reason/)
      .fill(reason);
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.getByText(/Request sent to the owners/).waitFor();
    assert.deepEqual(await weights(), [90, 10]);
  });

  it('shows the owner the request, who approves it, and the cluster follows', async () => {
    await signInAs('alice');
    await page.goto(`${APP}/catalog/default/component/reviews/istio-rollouts`);
    await page.getByText(reason, { exact: false }).first().waitFor();
    await page.getByRole('button', { name: 'Approve…' }).first().click();
    await page.getByLabel('Note (optional)').fill('canary metrics look good');
    await page.getByRole('button', { name: 'Approve and apply' }).click();
    await page
      .getByRole('img', { name: 'Traffic split: v1 75%, v2 25%' })
      .waitFor();
    assert.deepEqual(await weights(), [75, 25]);
    // The history records who asked and who approved.
    await page
      .getByText(/approved by/)
      .first()
      .waitFor();
    await page.screenshot({
      path: `${process.cwd()}/.state/e2e-approved.png`,
      fullPage: true,
    });
  });

  it('shows the platform team the record on the Release audit page, and exports it', async () => {
    await signInAs('carol');
    await page.getByRole('link', { name: /Release audit/ }).click();
    await page.getByText('Audit records').waitFor();
    await page.getByText(reason).first().waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    const csv = fs.readFileSync(await download.path(), 'utf8');
    const line = csv.split('\r\n').find(l => l.includes(reason));
    assert.ok(line, `no exported line with the reason in ${csv.slice(0, 500)}`);
    assert.match(
      line,
      /"user:default\/bob","user:default\/alice","component:default\/reviews","promote-next","applied"/,
    );
  });

  it('keeps the audit from people without the audit permission', async () => {
    await signInAs('bob');
    await page.goto(`${APP}/catalog/default/component/reviews`);
    await page.getByRole('tab', { name: 'Istio Rollouts' }).waitFor();
    assert.equal(
      await page.getByRole('link', { name: /Release audit/ }).count(),
      0,
    );
    await page.goto(`${APP}/istio-rollouts-audit`);
    await page
      .getByText(/needs the istio-rollouts\.audit\.read permission/)
      .first()
      .waitFor();
  });
});
