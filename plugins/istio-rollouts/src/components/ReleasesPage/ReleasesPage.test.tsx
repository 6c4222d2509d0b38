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

import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import type {
  ReleaseInFlight,
  ReleasesInFlightPage,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import {
  IstioRolloutsApi,
  istioRolloutsApiRef,
} from '../../api/IstioRolloutsApi';
import { pagedByCursor, responseError, testApi } from '../../__testUtils__/api';
import { CATALOG_ROUTES, button } from '../../__testUtils__/render';
import { ReleasesPage } from './ReleasesPage';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

function release(overrides: Partial<ReleaseInFlight> = {}): ReleaseInFlight {
  return {
    key: 'local/bookinfo/VirtualService/reviews/0',
    cluster: 'local',
    namespace: 'bookinfo',
    kind: 'VirtualService',
    name: 'reviews',
    route: { index: 0, name: 'primary' },
    strategy: 'canary',
    explanation: 'Canary: 10% of traffic goes to v2, 90% stays on v1.',
    split: [
      { versionKey: 'reviews/v1', label: 'v1', weight: 90 },
      { versionKey: 'reviews/v2', label: 'v2', weight: 10 },
    ],
    entity: {
      ref: 'component:default/reviews',
      owner: 'group:default/team-bookinfo',
    },
    since: ago(10 * DAY + HOUR),
    sinceSource: 'audit',
    stale: true,
    pendingRequests: 2,
    warnings: [
      {
        code: 'subset-undefined',
        severity: 'warning',
        message: 'Subset v3 is not defined in DestinationRule reviews',
      },
    ],
    ...overrides,
  };
}

const RATINGS_MIRROR = release({
  key: 'local/bookinfo/VirtualService/ratings/1',
  name: 'ratings',
  route: { index: 1 },
  strategy: 'mirror',
  explanation: 'All traffic goes to v1; 20% is copied to v2.',
  split: [{ versionKey: 'ratings/v1', label: 'v1', weight: 100 }],
  mirror: { versionKey: 'ratings/v2', label: 'v2', percentage: 20 },
  entity: undefined,
  unbound: 'No catalog entity claims kubernetes-id ratings-shared',
  since: ago(5 * HOUR + 10 * 60_000),
  sinceSource: 'managed-fields',
  stale: false,
  pendingRequests: 0,
  warnings: [],
});

const INVENTORY_TARGETED = release({
  key: 'local/shop/HTTPRoute/inventory/1',
  namespace: 'shop',
  kind: 'HTTPRoute',
  name: 'inventory',
  route: { index: 1 },
  strategy: 'targeted',
  explanation: 'Requests with header x-beta = true go to inventory-v2.',
  split: [{ versionKey: 'inventory-v2', label: 'inventory-v2', weight: 100 }],
  entity: {
    ref: 'component:default/inventory',
    owner: 'group:default/team-shop',
  },
  since: ago(2 * DAY),
  sinceSource: 'created',
  stale: false,
  pendingRequests: 0,
  warnings: [],
});

const STOREFRONT_MANAGED = release({
  key: 'local/shop/VirtualService/storefront/0',
  namespace: 'shop',
  name: 'storefront',
  route: { index: 0 },
  strategy: 'managed',
  explanation: 'Argo Rollouts moves traffic between stable and canary.',
  split: [
    { versionKey: 'stable', label: 'stable', weight: 80 },
    { versionKey: 'canary', label: 'canary', weight: 20 },
  ],
  managedBy: {
    controller: 'argo-rollouts',
    namespace: 'shop',
    name: 'storefront',
    strategy: 'canary',
    phase: 'Paused',
    step: 'step 2 of 5',
  },
  entity: {
    ref: 'component:default/storefront',
    owner: 'group:default/team-shop',
  },
  since: ago(3 * DAY),
  stale: false,
  pendingRequests: 0,
  warnings: [],
});

function page(
  items: ReleaseInFlight[],
  overrides: Partial<ReleasesInFlightPage> = {},
): ReleasesInFlightPage {
  return {
    items,
    total: items.length,
    staleTotal: items.filter(i => i.stale).length,
    staleAfterDays: 7,
    clusterErrors: [],
    generatedAt: new Date().toISOString(),
    ...overrides,
  };
}

async function renderPage(api: Partial<IstioRolloutsApi>, route = '/') {
  await renderInTestApp(
    <TestApiProvider apis={[[istioRolloutsApiRef, testApi(api)]]}>
      <ReleasesPage />
    </TestApiProvider>,
    { ...CATALOG_ROUTES, routeEntries: [route] },
  );
}

const rowOf = (testId: string) => screen.getByTestId(testId).closest('tr')!;

// Paging renders several pages in jsdom: on a busy 2-core machine this
// takes longer than Jest's default 5 s.
jest.setTimeout(20_000);

describe('ReleasesPage', () => {
  it('lists each route with its service, owner, route, strategy, split, age, stale chip, requests and warnings', async () => {
    await renderPage({
      listReleasesInFlight: jest
        .fn()
        .mockResolvedValue(
          page([
            release(),
            RATINGS_MIRROR,
            INVENTORY_TARGETED,
            STOREFRONT_MANAGED,
          ]),
        ),
    });

    expect(
      await screen.findByText(
        '4 releases in flight, 1 stale (older than 7 days)',
      ),
    ).toBeInTheDocument();
    expect(screen.getByText('Releases in flight')).toBeInTheDocument();

    const reviews = rowOf('release-local-bookinfo-reviews-0');
    // The service links to its Istio Rollouts tab, where the route is acted on.
    expect(
      within(reviews).getByRole('link', { name: /reviews/ }),
    ).toHaveAttribute(
      'href',
      '/catalog/default/component/reviews/istio-rollouts',
    );
    expect(
      within(reviews).getByRole('link', { name: /team-bookinfo/ }),
    ).toHaveAttribute('href', '/catalog/default/group/team-bookinfo');
    expect(within(reviews).getByText('local')).toBeInTheDocument();
    expect(
      within(reviews).getByText('VirtualService bookinfo/reviews'),
    ).toBeInTheDocument();
    expect(within(reviews).getByText('Route "primary"')).toBeInTheDocument();
    expect(within(reviews).getByText('canary')).toBeInTheDocument();
    expect(
      within(reviews).getByText(/10% of traffic goes to v2/),
    ).toBeInTheDocument();
    expect(within(reviews).getByText('v1 90% · v2 10%')).toBeInTheDocument();
    expect(
      within(reviews).getByRole('img', {
        name: 'Traffic split: v1 90%, v2 10%',
      }),
    ).toBeInTheDocument();
    const age = within(reviews).getByText('10 days');
    expect(age).toHaveAttribute(
      'title',
      expect.stringMatching(
        /^Since .*, from the change recorded in the audit trail$/,
      ),
    );
    expect(within(reviews).getByText('Stale')).toBeInTheDocument();
    expect(within(reviews).getByText('2')).toBeInTheDocument();
    expect(within(reviews).getByText('⚠ 1')).toBeInTheDocument();

    // Unbound: said so, with why, and no owner.
    const ratings = rowOf('release-local-bookinfo-ratings-1');
    expect(within(ratings).getByText('Unbound')).toBeInTheDocument();
    expect(
      within(ratings).getByText(
        'No catalog entity claims kubernetes-id ratings-shared',
      ),
    ).toBeInTheDocument();
    expect(within(ratings).queryByRole('link')).toBeNull();
    expect(within(ratings).getByText('Route #2')).toBeInTheDocument();
    expect(within(ratings).getByText('mirrors 20% to v2')).toBeInTheDocument();
    expect(within(ratings).getByText('5 hours')).toBeInTheDocument();
    expect(within(ratings).queryByText('Stale')).toBeNull();

    const inventory = rowOf('release-local-shop-inventory-1');
    expect(
      within(inventory).getByText('HTTPRoute shop/inventory'),
    ).toBeInTheDocument();
    expect(within(inventory).getByText('Rule 1')).toBeInTheDocument();
    expect(within(inventory).getByText('targeted')).toBeInTheDocument();
    expect(within(inventory).getByText('2 days')).toBeInTheDocument();

    const storefront = rowOf('release-local-shop-storefront-0');
    expect(within(storefront).getByText('managed')).toBeInTheDocument();
    expect(
      within(storefront).getByText(
        'Argo Rollout shop/storefront · step 2 of 5 · Paused',
      ),
    ).toBeInTheDocument();

    expect(screen.getAllByText('Stale')).toHaveLength(1);
  });

  it('warns about each cluster that could not be read', async () => {
    await renderPage({
      listReleasesInFlight: jest.fn().mockResolvedValue(
        page([release()], {
          clusterErrors: [{ cluster: 'east', message: 'connect ECONNREFUSED' }],
        }),
      ),
    });

    expect(
      await screen.findByText(
        /Cluster east could not be read: its routes are missing from the list/,
      ),
    ).toBeInTheDocument();
    expect(screen.getByText('connect ECONNREFUSED')).toBeInTheDocument();
    expect(
      screen.getByTestId('release-local-bookinfo-reviews-0'),
    ).toBeInTheDocument();
  });

  it('draws one share per version in the split bar, even when a version is reached on two ports', async () => {
    await renderPage({
      listReleasesInFlight: jest.fn().mockResolvedValue(
        page([
          release({
            split: [
              { versionKey: 'reviews/v1', label: 'v1', weight: 45 },
              { versionKey: 'reviews/v1', label: 'v1', weight: 45 },
              { versionKey: 'reviews/v2', label: 'v2', weight: 10 },
            ],
          }),
        ]),
      ),
    });

    await screen.findByTestId('release-local-bookinfo-reviews-0');
    const row = rowOf('release-local-bookinfo-reviews-0');
    expect(
      within(row).getByRole('img', { name: 'Traffic split: v1 90%, v2 10%' }),
    ).toBeInTheDocument();
  });

  it('says when every route is at rest', async () => {
    await renderPage({
      listReleasesInFlight: jest.fn().mockResolvedValue(page([])),
    });

    expect(
      await screen.findByText('No releases in flight'),
    ).toBeInTheDocument();
    expect(screen.getByText(/Every route is at rest/)).toBeInTheDocument();
    expect(screen.queryByRole('table')).toBeNull();
  });

  it("shows the backend's error in an error panel", async () => {
    const error = await responseError(
      400,
      'InputError',
      'minAgeDays must be a number of days, 0 or more',
    );
    await renderPage({
      listReleasesInFlight: jest.fn().mockRejectedValue(error),
    });

    expect(
      (await screen.findAllByText(/minAgeDays must be a number of days/))
        .length,
    ).toBeGreaterThan(0);
    expect(screen.queryByRole('button', { name: 'Next page' })).toBeNull();
  });

  it('sends the filters, in the form the backend compares them in, and clears them', async () => {
    const listReleasesInFlight = jest.fn().mockResolvedValue(page([]));
    await renderPage({ listReleasesInFlight });
    await waitFor(() =>
      expect(listReleasesInFlight).toHaveBeenCalledWith({
        limit: 50,
        cursor: undefined,
      }),
    );

    fireEvent.change(screen.getByLabelText('Cluster'), {
      target: { value: ' local ' },
    });
    fireEvent.change(screen.getByLabelText('Namespace'), {
      target: { value: 'bookinfo' },
    });
    fireEvent.change(screen.getByLabelText('Owner'), {
      target: { value: 'team-bookinfo' },
    });
    fireEvent.mouseDown(screen.getByLabelText('Strategy'));
    fireEvent.click(await screen.findByRole('option', { name: 'canary' }));
    fireEvent.change(screen.getByLabelText('At least (days)'), {
      target: { value: '1.5' },
    });
    fireEvent.click(screen.getByLabelText('Stale only'));
    fireEvent.click(button('Apply filters'));

    await waitFor(() =>
      expect(listReleasesInFlight).toHaveBeenLastCalledWith({
        cluster: 'local',
        namespace: 'bookinfo',
        owner: 'group:default/team-bookinfo',
        strategy: 'canary',
        minAgeDays: 1.5,
        staleOnly: true,
        limit: 50,
        cursor: undefined,
      }),
    );
    expect(
      await screen.findByText('No releases in flight match these filters'),
    ).toBeInTheDocument();

    fireEvent.click(button('Clear'));
    await waitFor(() =>
      expect(listReleasesInFlight).toHaveBeenLastCalledWith({
        limit: 50,
        cursor: undefined,
      }),
    );
    expect(
      await screen.findByText('No releases in flight'),
    ).toBeInTheDocument();
    expect(screen.getByLabelText('Stale only')).not.toBeChecked();
  });

  it('refuses a negative minimum age before asking the backend', async () => {
    const listReleasesInFlight = jest.fn().mockResolvedValue(page([]));
    await renderPage({ listReleasesInFlight });
    await waitFor(() => expect(listReleasesInFlight).toHaveBeenCalledTimes(1));

    fireEvent.change(screen.getByLabelText('At least (days)'), {
      target: { value: '-2' },
    });

    expect(screen.getByText('A number of days, 0 or more')).toBeInTheDocument();
    expect(button('Apply filters')).toBeDisabled();
    fireEvent.submit(screen.getByRole('form', { name: 'Filters' }));
    expect(listReleasesInFlight).toHaveBeenCalledTimes(1);
  });

  it('reads its filters from the URL, so a filtered view can be shared', async () => {
    const listReleasesInFlight = jest.fn().mockResolvedValue(page([]));
    await renderPage(
      { listReleasesInFlight },
      '/?strategy=mirror&staleOnly=true&minAgeDays=2&owner=group%3Adefault%2Fteam-shop&strategy=bogus',
    );

    await waitFor(() =>
      expect(listReleasesInFlight).toHaveBeenCalledWith({
        owner: 'group:default/team-shop',
        strategy: 'mirror',
        minAgeDays: 2,
        staleOnly: true,
        limit: 50,
        cursor: undefined,
      }),
    );
    expect(screen.getByLabelText('Owner')).toHaveValue(
      'group:default/team-shop',
    );
    expect(screen.getByLabelText('Stale only')).toBeChecked();
  });

  it('pages forward with the cursor, back with the cursors seen, and to the first page', async () => {
    const listReleasesInFlight = pagedByCursor({
      first: page([release()], { total: 3, nextCursor: 'c2' }),
      c2: page([RATINGS_MIRROR], { total: 3, nextCursor: 'c3' }),
      c3: page([INVENTORY_TARGETED], { total: 3 }),
    });
    await renderPage({ listReleasesInFlight });

    expect(
      await screen.findByTestId('release-local-bookinfo-reviews-0'),
    ).toBeInTheDocument();
    expect(button('Previous page')).toBeDisabled();
    expect(button('First page')).toBeDisabled();

    fireEvent.click(button('Next page'));
    expect(
      await screen.findByTestId('release-local-bookinfo-ratings-1'),
    ).toBeInTheDocument();
    expect(listReleasesInFlight).toHaveBeenLastCalledWith({
      limit: 50,
      cursor: 'c2',
    });

    await waitFor(() => expect(button('Next page')).toBeEnabled());
    fireEvent.click(button('Next page'));
    expect(
      await screen.findByTestId('release-local-shop-inventory-1'),
    ).toBeInTheDocument();
    expect(listReleasesInFlight).toHaveBeenLastCalledWith({
      limit: 50,
      cursor: 'c3',
    });
    // The last page has no next cursor.
    expect(button('Next page')).toBeDisabled();
    expect(screen.getAllByText('Page 3').length).toBeGreaterThan(0);

    fireEvent.click(button('Previous page'));
    expect(
      await screen.findByTestId('release-local-bookinfo-ratings-1'),
    ).toBeInTheDocument();
    expect(listReleasesInFlight).toHaveBeenLastCalledWith({
      limit: 50,
      cursor: 'c2',
    });

    await waitFor(() => expect(button('First page')).toBeEnabled());
    fireEvent.click(button('First page'));
    expect(
      await screen.findByTestId('release-local-bookinfo-reviews-0'),
    ).toBeInTheDocument();
    expect(listReleasesInFlight).toHaveBeenLastCalledWith({
      limit: 50,
      cursor: undefined,
    });
    expect(button('Previous page')).toBeDisabled();
  });
});
