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

import { renderInTestApp } from '@backstage/test-utils';
import type { VirtualServiceView } from '@istio-rollouts/plugin-istio-rollouts-common';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { analysisView, observedView } from '../../__testUtils__/metrics';
import { Providers, tableRow, testEntity } from '../../__testUtils__/render';
import {
  httpRouteRule,
  httpRouteView,
  route,
  version,
  vsView,
} from '../../__testUtils__/views';
import { httpRouteActionResult } from '../../__testUtils__/writes';
import { VirtualServiceCard } from './VirtualServiceCard';

async function renderCard(vs: VirtualServiceView) {
  await renderInTestApp(
    <Providers api={{}} entity={testEntity()}>
      <VirtualServiceCard vs={vs} cluster="local" />
    </Providers>,
  );
}

const observedRegion = () =>
  screen.getByRole('region', { name: 'Observed traffic' });

/** The observed table's row of a version. */
const versionRow = (label: string) => tableRow(observedRegion(), label);

const cells = (row: HTMLElement) =>
  within(row)
    .getAllByRole('cell')
    .map(c => c.textContent);

describe('VirtualServiceCard with metrics', () => {
  it('says which kind of route it shows', async () => {
    await renderCard(vsView([route([90, 10])]));
    expect(screen.getByText(/^VirtualService · cluster /)).toBeInTheDocument();
  });

  it('says so for a Gateway API HTTPRoute', async () => {
    await renderCard(vsView([route([90, 10])], { kind: 'HTTPRoute' }));
    expect(screen.getByText(/^HTTPRoute · cluster /)).toBeInTheDocument();
  });

  it('shows each version’s configured weight next to the traffic it received', async () => {
    await renderCard(vsView([route([90, 10])], { observed: observedView() }));

    const region = observedRegion();
    expect(region).toHaveTextContent('last 1m, read 12:03:04 from Prometheus');
    expect(
      within(region).getByText('Configured (Route "primary")'),
    ).toBeInTheDocument();
    expect(cells(versionRow('v1'))).toEqual([
      'v1',
      '90%',
      '89.7%',
      '17.9 req/s',
      '100%',
      '24.5 ms',
    ]);
    expect(cells(versionRow('v2'))).toEqual([
      'v2',
      '10%',
      '10.3%',
      '2.06 req/s',
      '80%',
      '612 ms',
    ]);
  });

  it('draws the observed shares under the split route’s configured bar', async () => {
    // A targeted route first: the observed bar belongs to the catch-all split.
    const targeted = route([0, 100], {
      index: 0,
      name: 'jason',
      match: [[{ kind: 'header', name: 'end-user', value: 'jason' }]],
      strategy: 'targeted',
    });
    const split = route([90, 10], { index: 1 });
    await renderCard(vsView([targeted, split], { observed: observedView() }));

    const splitSection = screen.getByTestId('route-1');
    expect(
      within(splitSection).getByRole('img', {
        name: 'Traffic split: v1 90%, v2 10%',
      }),
    ).toBeInTheDocument();
    expect(
      within(splitSection).getByRole('img', {
        name: 'Observed traffic: v1 89.7%, v2 10.3%',
      }),
    ).toBeInTheDocument();
    expect(within(splitSection).getByText('Observed, last 1m')).toBeVisible();
    expect(
      within(screen.getByTestId('route-0')).queryByRole('img', {
        name: /Observed traffic/,
      }),
    ).not.toBeInTheDocument();
  });

  it('says when no measured version received requests', async () => {
    const observed = observedView();
    observed.versions = observed.versions.map(t => ({
      ...t,
      requestsPerSecond: 0,
      share: null,
      successRate: null,
      p99Ms: null,
    }));
    await renderCard(vsView([route([90, 10])], { observed }));

    expect(
      screen.getByText(
        'Observed, last 1m: no requests to the measured versions',
      ),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('img', { name: /Observed traffic/ }),
    ).not.toBeInTheDocument();
    expect(cells(versionRow('v2'))).toEqual([
      'v2',
      '10%',
      '—',
      '0 req/s',
      '—',
      '—',
    ]);
  });

  it('shows a metrics error as a warning and leaves the rest of the card as it was', async () => {
    await renderCard(
      vsView([route([90, 10])], {
        observed: observedView({
          versions: [],
          error: 'Prometheus query failed: connect ECONNREFUSED 127.0.0.1:9090',
        }),
      }),
    );

    expect(
      within(observedRegion()).getByText(
        '⚠ The metrics could not be read: Prometheus query failed: connect ECONNREFUSED 127.0.0.1:9090',
      ),
    ).toBeInTheDocument();
    expect(
      within(observedRegion()).queryByRole('table'),
    ).not.toBeInTheDocument();
    expect(
      screen.queryByRole('img', { name: /Observed traffic/ }),
    ).not.toBeInTheDocument();
    // The configured split and the versions are still there.
    expect(
      screen.getByRole('img', { name: 'Traffic split: v1 90%, v2 10%' }),
    ).toBeInTheDocument();
    expect(screen.getByText('Versions')).toBeInTheDocument();
    expect(screen.getByText('example/reviews:v2')).toBeInTheDocument();
  });

  it('shows a dash for a version the metrics cannot tell apart, and why on hover', async () => {
    const reason =
      'reviews/v2 and reviews/v3 run on the same workload reviews-shared: the metrics cannot tell them apart';
    const observed = observedView({
      versions: [observedView().versions[0]],
      unmeasured: [
        { versionKey: 'reviews/v2', reason },
        { versionKey: 'reviews/v3', reason },
      ],
    });
    await renderCard(
      vsView([route([80, 10, 10])], {
        versions: [version('v1'), version('v2'), version('v3')],
        observed,
      }),
    );

    const v2 = versionRow('v2');
    expect(cells(v2)).toEqual(['v2', '10%', '—', '—', '—', '—']);
    fireEvent.mouseOver(within(v2).getAllByText('—')[0]);
    expect(await screen.findByText(reason)).toBeInTheDocument();
    expect(cells(versionRow('v1'))[2]).toBe('89.7%');
  });

  it('shows the canary analysis of the split route', async () => {
    await renderCard(
      vsView([route([90, 10])], {
        observed: observedView(),
        analysis: analysisView(),
      }),
    );

    const panel = screen.getByRole('region', { name: 'Canary analysis' });
    expect(
      within(panel).getByText('Canary analysis: fail'),
    ).toBeInTheDocument();
    expect(
      within(panel).getByText(
        'request-success-rate is 80, below the minimum of 99.',
      ),
    ).toBeInTheDocument();
  });

  it('shows nothing about metrics when none are configured', async () => {
    await renderCard(vsView([route([90, 10])]));

    expect(
      screen.getByRole('img', { name: 'Traffic split: v1 90%, v2 10%' }),
    ).toBeInTheDocument();
    expect(screen.queryByText(/Observed/)).not.toBeInTheDocument();
    expect(screen.queryByText(/Canary analysis/)).not.toBeInTheDocument();
    expect(screen.queryByRole('region')).not.toBeInTheDocument();
  });
});

describe('VirtualServiceCard of a Gateway API HTTPRoute', () => {
  async function renderHttpRoute(vs: VirtualServiceView) {
    const applyRouteAction = jest
      .fn()
      .mockResolvedValue(httpRouteActionResult([75, 25]));
    await renderInTestApp(
      <Providers
        api={{ applyRouteAction }}
        entity={testEntity({ 'istio-rollouts/virtual-services': 'inventory' })}
      >
        <VirtualServiceCard vs={vs} cluster="local" />
      </Providers>,
    );
    return { applyRouteAction };
  }

  // Rule 0 sends beta users to inventory-v2; rule 1 splits everyone else.
  const twoRules = () =>
    httpRouteView([
      httpRouteRule([0, 100], {
        name: 'beta',
        strategy: 'targeted',
        explanation: 'Targeted: requests with header x-beta go to inventory-v2',
        match: [
          [{ kind: 'header', name: 'x-beta', operator: 'exact', value: 'yes' }],
        ],
        destinations: [
          {
            versionKey: 'inventory-v2',
            host: 'inventory-v2',
            port: 8080,
            weight: 100,
          },
        ],
      }),
      httpRouteRule([90, 10], { index: 1 }),
    ]);

  it('shows its kind, its rules as rules, their splits and strategies', async () => {
    await renderHttpRoute(twoRules());

    expect(screen.getByText('demo/inventory')).toBeInTheDocument();
    expect(
      screen.getByText(/^HTTPRoute · cluster local · hosts inventory$/),
    ).toBeInTheDocument();
    const beta = screen.getByTestId('route-0');
    expect(within(beta).getByText('Rule "beta"')).toBeInTheDocument();
    expect(within(beta).getByText('Targeted (A/B)')).toBeInTheDocument();
    expect(
      within(beta).getByRole('img', {
        name: 'Traffic split: inventory-v2 100%',
      }),
    ).toBeInTheDocument();
    const split = screen.getByTestId('route-1');
    expect(within(split).getByText('Rule 1')).toBeInTheDocument();
    expect(within(split).getByText('Canary')).toBeInTheDocument();
    expect(
      within(split).getByText(
        'Canary: 10% of traffic goes to inventory-v2, 90% stays on inventory-v1',
      ),
    ).toBeInTheDocument();
    expect(
      within(split).getByRole('img', {
        name: 'Traffic split: inventory-v1 90%, inventory-v2 10%',
      }),
    ).toBeInTheDocument();
    expect(screen.queryByText(/Route #/)).not.toBeInTheDocument();
    expect(screen.queryByText(/VirtualService/)).not.toBeInTheDocument();
  });

  it('lists no conditions for a rule without matches, which takes every request', async () => {
    // A rule without matches reads as one empty entry (path prefix "/").
    await renderHttpRoute(
      httpRouteView([
        httpRouteRule([90, 10], { match: [[]] }),
        httpRouteRule([100], {
          index: 1,
          match: [
            [
              {
                kind: 'header',
                name: 'x-beta',
                operator: 'exact',
                value: 'yes',
              },
            ],
            [],
          ],
        }),
      ]),
    );

    expect(
      within(screen.getByTestId('route-0')).queryByText(
        'Applies to requests matching:',
      ),
    ).toBeNull();
    const second = screen.getByTestId('route-1');
    expect(
      within(second).getByText('Applies to requests matching:'),
    ).toBeInTheDocument();
    expect(
      within(second).getByText('header x-beta exact yes'),
    ).toBeInTheDocument();
    expect(within(second).getByText('or any request')).toBeInTheDocument();
  });

  it('promotes its split rule by index, with the kind in the target', async () => {
    const { applyRouteAction } = await renderHttpRoute(twoRules());

    const split = screen.getByTestId('route-1');
    await waitFor(() =>
      expect(
        within(split).getByRole('button', { name: 'Promote to 25%' }),
      ).toBeEnabled(),
    );
    fireEvent.click(
      within(split).getByRole('button', { name: 'Promote to 25%' }),
    );
    const dialog = await screen.findByRole('dialog');
    fireEvent.click(
      within(dialog).getByRole('button', { name: 'Promote to 25%' }),
    );
    await waitFor(() => expect(applyRouteAction).toHaveBeenCalledTimes(1));
    expect(applyRouteAction.mock.calls[0][1]).toStrictEqual({
      target: {
        cluster: 'local',
        namespace: 'demo',
        virtualService: 'inventory',
        route: 1,
        kind: 'HTTPRoute',
      },
      operation: {
        type: 'promote-next',
        steps: [10, 25, 50, 100],
        stable: { host: 'inventory-v1', port: 8080 },
      },
    });
  });

  it('says why an HTTPRoute the cluster does not bind is read-only, and offers nothing', async () => {
    const why =
      'HTTPRoute demo/inventory has no backstage.io/kubernetes-id label for this entity';
    const rule = httpRouteRule([90, 10], { readOnly: why });
    await renderHttpRoute(httpRouteView([rule], { readOnly: why }));

    expect(
      screen.getByText(
        'Info: Read-only: the cluster does not bind this HTTPRoute to this entity',
      ),
    ).toBeInTheDocument();
    expect(screen.getByText(`Read-only here: ${why}`)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Promote/ })).toBeNull();
  });
});
