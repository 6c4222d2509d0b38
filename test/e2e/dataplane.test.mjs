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

// The seed's promise in real Chromium: the demo's reviews service carries
// live gRPC traffic (the traffic generator, routed by the real istiod), and
// after alice promotes the canary from the tab, the observed split that
// Prometheus counted follows the new weights within seconds.
// Run by scripts/e2e, which starts the demo (with its data plane) and sets
// ISTIO_ROLLOUTS_E2E_CLUSTER.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  APP,
  cluster,
  getJson,
  page,
  patchJson,
  signInAs,
  useChromium,
  until,
} from './lib.mjs';

const reviews =
  '/apis/networking.istio.io/v1/namespaces/demo/virtualservices/reviews';

async function setReviews(v1, v2) {
  await patchJson(reviews, [
    { op: 'replace', path: '/spec/http/0/route/0/weight', value: v1 },
    { op: 'replace', path: '/spec/http/0/route/1/weight', value: v2 },
  ]);
}

// "Observed traffic: v1 89.6%, v2 10.4%" → { v1: 89.6, v2: 10.4 }
async function observedShares() {
  const bar = page.locator('[aria-label^="Observed traffic:"]').first();
  await bar.waitFor({ timeout: 60_000 });
  const label = await bar.getAttribute('aria-label');
  return Object.fromEntries(
    [...label.matchAll(/(v\d) ([\d.]+)%/g)].map(m => [m[1], Number(m[2])]),
  );
}

useChromium({ width: 1400, height: 1400 });

describe('reviews: observed traffic follows a promote', () => {
  before(async () => {
    assert.ok(
      cluster.dataplane?.prometheusUrl,
      'the demo cluster runs without its data plane',
    );
    await setReviews(90, 10);
  });

  after(async () => {
    // Put the demo back as it was seeded.
    await setReviews(90, 10);
  });

  it('shows the live split at 90/10, then at 75/25 within seconds of the promote', async () => {
    await signInAs('alice');
    await page.goto(`${APP}/catalog/default/component/reviews/istio-rollouts`);
    await page.getByRole('region', { name: 'Observed traffic' }).waitFor();
    // The tab refetches on change signals; reload to read Prometheus anew.
    await until(
      'the observed split near 90/10',
      async () => {
        await page.reload();
        const s = await observedShares().catch(() => ({}));
        return Math.abs((s.v2 ?? -100) - 10) <= 5;
      },
      90_000,
      1000,
    );

    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('button')].some(
          b => b.textContent?.includes('Promote to 25%') && !b.disabled,
        ),
      null,
      { timeout: 30_000 },
    );
    await page.getByRole('button', { name: 'Promote to 25%' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Promote to 25%' }).click();
    await page.getByText(/Applied: v1 75% · v2 25%/).waitFor();
    const promoted = Date.now();

    const shares = await until(
      'the observed split near 75/25',
      async () => {
        await page.reload();
        const s = await observedShares().catch(() => ({}));
        return Math.abs((s.v2 ?? -100) - 25) <= 5 ? s : undefined;
      },
      90_000,
      1000,
    );
    process.stdout.write(
      `[figure] reviews' observed split ${JSON.stringify(shares)} ${(
        (Date.now() - promoted) /
        1000
      ).toFixed(1)} s after the promote\n`,
    );
    assert.deepEqual(
      (await getJson(reviews)).spec.http[0].route.map(r => r.weight),
      [75, 25],
    );
    await page.screenshot({
      path: `${process.cwd()}/.state/e2e-observed-traffic.png`,
      fullPage: true,
    });
  });
});
