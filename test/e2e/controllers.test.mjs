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

// The demo's controller-driven releases in real Chromium, with the real Argo
// Rollouts controller and Flagger running in the demo cluster: alice
// promotes the storefront Rollout one step and aborts it from the tab, bob
// can only request, and the podinfo Canary waits at confirm-promotion until
// alice approves it in Backstage. Every weight and phase checked below is
// read from the cluster and was written by a controller.
// Run by scripts/e2e, which starts the demo and sets ISTIO_ROLLOUTS_E2E_CLUSTER.

import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { APP, getJson, page, signInAs, until, useChromium } from './lib.mjs';

const rollout = () =>
  getJson('/apis/argoproj.io/v1alpha1/namespaces/demo/rollouts/storefront');
const canary = () =>
  getJson('/apis/flagger.app/v1beta1/namespaces/demo/canaries/podinfo');
async function storefrontCanaryWeight() {
  const vs = await getJson(
    '/apis/networking.istio.io/v1/namespaces/demo/virtualservices/storefront',
  );
  const route = vs.spec.http.find(r => r.name === 'primary');
  return (
    route.route.find(d => d.destination.host === 'storefront-canary')?.weight ??
    0
  );
}

useChromium({ width: 1400, height: 1200 });

async function openTab(service) {
  await page.goto(`${APP}/catalog/default/component/${service}/istio-rollouts`);
  await page.getByText(`demo/${service}`, { exact: true }).first().waitFor();
}

async function confirmDialog(confirmLabel, reason) {
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await dialog.getByRole('textbox').first().fill(reason);
  const confirm = dialog.getByRole('button', {
    name: confirmLabel,
    exact: true,
  });
  await page.waitForFunction(
    el => el && !el.disabled,
    await confirm.elementHandle(),
  );
  await confirm.click();
  await dialog.waitFor({ state: 'detached' });
}

describe('storefront: an Argo Rollout acted on from the tab', () => {
  before(async () => {
    // The seed leaves the real controller paused after setWeight 20.
    await until('the storefront canary paused at 20 %', async () => {
      const r = await rollout();
      return (
        r.status?.pauseConditions?.length &&
        (await storefrontCanaryWeight()) === 20
      );
    });
  });

  it('shows the Rollout its own steps and ReplicaSets, with real pod counts', async () => {
    await signInAs('alice');
    await openTab('storefront');
    await page.getByText('CanaryPauseStep').first().waitFor();
    const r = await rollout();
    const stable = r.status.stableRS;
    const canaryHash = r.status.currentPodHash;
    await page.getByText(stable, { exact: true }).first().waitFor();
    await page.getByText(canaryHash, { exact: true }).first().waitFor();
    await page.screenshot({
      path: `${process.cwd()}/.state/e2e-controllers-storefront.png`,
      fullPage: true,
    });
  });

  it('bob can only request a promotion', async () => {
    await signInAs('bob');
    await openTab('storefront');
    await page.getByText('CanaryPauseStep').first().waitFor();
    // While his permissions are being checked the tab shows the owner's
    // buttons disabled; once they are known, he is offered only a request.
    const requestButton = page.getByRole('button', {
      name: 'Request promotion',
    });
    await requestButton.waitFor({ timeout: 30_000 });
    assert.equal(
      await page.getByRole('button', { name: 'Promote', exact: true }).count(),
      0,
    );
    await requestButton.click();
    await confirmDialog('Send request', 'e2e: the canary looks healthy');
    await page
      .getByText('Promote Rollout storefront one step')
      .first()
      .waitFor();
    assert.equal(await storefrontCanaryWeight(), 20);
  });

  it('alice promotes one step and the controller sets the next weight', async () => {
    await signInAs('alice');
    await openTab('storefront');
    await page.getByRole('button', { name: 'Promote', exact: true }).click();
    await page.getByTestId('controller-dry-run').waitFor();
    await confirmDialog('Promote', 'e2e: promote one step');
    await until('the controller to set 50 %', async () =>
      (await storefrontCanaryWeight()) === 50 ? true : undefined,
    );
    await page.getByText(/50%/).first().waitFor();
  });

  it('alice aborts and the controller sends everything back to stable', async () => {
    await page.getByRole('button', { name: 'Abort', exact: true }).click();
    await confirmDialog('Abort', 'e2e: abort the release');
    await until('the controller to route everything to stable', async () =>
      (await storefrontCanaryWeight()) === 0 ? true : undefined,
    );
    const r = await rollout();
    assert.equal(r.status.abort, true);
  });
});

describe('podinfo: a Flagger canary that waits for the owners', () => {
  before(async () => {
    await until(
      'Flagger to wait at confirm-promotion',
      async () => (await canary()).status?.phase === 'WaitingPromotion',
      240_000,
    );
  });

  it('bob can only ask for the approval', async () => {
    await signInAs('bob');
    await openTab('podinfo');
    await page.getByRole('button', { name: 'Request approval' }).waitFor();
    assert.equal(
      await page
        .getByRole('button', { name: 'Approve confirm-promotion' })
        .count(),
      0,
    );
  });

  it('advances only after alice approves in Backstage', async () => {
    assert.equal((await canary()).status.phase, 'WaitingPromotion');
    await signInAs('alice');
    await openTab('podinfo');
    await page
      .getByRole('button', { name: 'Approve confirm-promotion' })
      .click();
    await confirmDialog('Approve confirm-promotion', 'e2e: checked it');
    await until(
      'Flagger to promote the canary',
      async () => (await canary()).status?.phase === 'Succeeded',
      180_000,
    );
    await page.screenshot({
      path: `${process.cwd()}/.state/e2e-controllers-podinfo.png`,
      fullPage: true,
    });
  });
});
