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
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import {
  CANARY_RECORDS,
  START_RECORD,
  T,
} from '../../__testUtils__/auditRecords';
import {
  CATALOG_ROUTES,
  Providers,
  testEntity,
} from '../../__testUtils__/render';
import { localRolloutView, route } from '../../__testUtils__/views';
import { RolloutHistoryCard } from './RolloutHistoryCard';
import { weightToY } from './WeightsChart';

const view = localRolloutView([route([50, 50])]);

async function renderHistory(getHistory: jest.Mock, refreshKey?: string) {
  const entity = testEntity();
  const ui = (key?: string) => (
    <Providers api={{ getHistory }} entity={entity}>
      <RolloutHistoryCard
        view={view}
        refreshKey={key}
        now={T.second + 5 * 60_000}
      />
    </Providers>
  );
  const rendered = await renderInTestApp(ui(refreshKey), CATALOG_ROUTES);
  return { rerender: (key: string) => rendered.rerender(ui(key)) };
}

describe('RolloutHistoryCard', () => {
  it('lists each record: outcome, action, route, actor, approver, weights before → after, reason, message', async () => {
    await renderHistory(jest.fn().mockResolvedValue({ items: CANARY_RECORDS }));

    const promoted = await screen.findByTestId('history-104');
    expect(within(promoted).getByText('applied')).toBeInTheDocument();
    expect(
      within(promoted).getByText('Promote to next step'),
    ).toBeInTheDocument();
    expect(
      within(promoted).getByText('local · demo/reviews · Route "primary"'),
    ).toBeInTheDocument();
    expect(promoted).toHaveTextContent('by bob · approved by alice');
    expect(
      within(promoted).getByText('v1 75% · v2 25% → v1 50% · v2 50%'),
    ).toBeInTheDocument();
    expect(
      within(promoted).getByText('“latency unchanged at 25%”'),
    ).toBeInTheDocument();

    const denied = screen.getByTestId('history-102');
    expect(within(denied).getByText('denied')).toBeInTheDocument();
    expect(
      within(denied).getByText(
        'You may not move traffic of component:default/reviews',
      ),
    ).toBeInTheDocument();
    const scaled = screen.getByTestId('history-103');
    expect(
      within(scaled).getByText('local · demo · Deployment/reviews-v2'),
    ).toBeInTheDocument();
    expect(within(scaled).getByText('2 → 4 replicas')).toBeInTheDocument();

    // Newest first.
    expect(
      screen.getAllByTestId(/^history-/).map(e => e.dataset.testid),
    ).toEqual(['history-104', 'history-103', 'history-102', 'history-101']);
  });

  it("charts each destination's weight over time, in the split bar's colours", async () => {
    await renderHistory(jest.fn().mockResolvedValue({ items: CANARY_RECORDS }));

    const chart = await screen.findByRole('img', {
      name: 'Weights over time on local · demo/reviews · Route "primary": v1 90% → 75% → 50%; v2 10% → 25% → 50%',
    });
    // The split bar's palette: v1 first, v2 second.
    expect(within(chart).getByTestId('weights-v1')).toHaveAttribute(
      'stroke',
      '#0072B2',
    );
    expect(within(chart).getByTestId('weights-v2')).toHaveAttribute(
      'stroke',
      '#E69F00',
    );
    // v2's line: 10% (bottom-ish), up to 25% at the first change, 50% at the second.
    const ys = within(chart)
      .getByTestId('weights-v2')
      .getAttribute('d')!
      .split(/[ML ]/)
      .filter(Boolean)
      .map(p => Number(p.split(',')[1]));
    expect(ys).toEqual([10, 10, 25, 25, 50, 50].map(weightToY));

    // The same numbers, for screen readers.
    const table = screen.getByRole('table');
    const rows = within(table)
      .getAllByRole('row')
      .map(r =>
        within(r)
          .queryAllByRole('cell')
          .slice(1)
          .map(c => c.textContent),
      );
    expect(rows.slice(1)).toEqual([
      ['Before', '90%', '10%'],
      ['Promote to next step', '75%', '25%'],
      ['Promote to next step', '50%', '50%'],
    ]);
  });

  it('shows a change made outside Backstage: its field manager, in the chart, and can hide it', async () => {
    const observed = {
      ...CANARY_RECORDS[0],
      id: '105',
      createdAt: new Date(T.second + 60_000).toISOString(),
      actor: 'kubectl-patch',
      approver: undefined,
      requestId: undefined,
      reason: undefined,
      action: 'observed-change',
      outcome: 'observed' as const,
      weightsBefore: CANARY_RECORDS[0].weightsAfter,
      weightsAfter: {
        index: 0,
        name: 'primary',
        destinations: [
          { host: 'reviews', subset: 'v1', weight: 80 },
          { host: 'reviews', subset: 'v2', weight: 20 },
        ],
      },
      message:
        'kubectl-patch (Update) changed route primary: v1 50% / v2 50% → v1 80% / v2 20%',
    };
    await renderHistory(
      jest.fn().mockResolvedValue({ items: [observed, ...CANARY_RECORDS] }),
    );

    const item = await screen.findByTestId('history-105');
    expect(within(item).getByText('observed')).toBeInTheDocument();
    expect(
      within(item).getByText('Changed outside Backstage'),
    ).toBeInTheDocument();
    expect(item).toHaveTextContent('by kubectl-patch (outside Backstage)');
    expect(
      within(item).getByText('v1 50% · v2 50% → v1 80% · v2 20%'),
    ).toBeInTheDocument();
    // It moved traffic, so the chart counts it.
    expect(
      screen.getByRole('img', {
        name: 'Weights over time on local · demo/reviews · Route "primary": v1 90% → 75% → 50% → 80%; v2 10% → 25% → 50% → 20%',
      }),
    ).toBeInTheDocument();

    fireEvent.click(
      screen.getByLabelText(/Show changes made outside Backstage/),
    );
    expect(screen.queryByTestId('history-105')).not.toBeInTheDocument();
    expect(screen.getByTestId('history-104')).toBeInTheDocument();
  });

  it('loads older records with the cursor, extending the chart', async () => {
    const getHistory = jest
      .fn()
      .mockResolvedValueOnce({ items: CANARY_RECORDS, nextCursor: 'c2' })
      .mockResolvedValueOnce({ items: [START_RECORD] });
    await renderHistory(getHistory);

    fireEvent.click(await screen.findByRole('button', { name: 'Load more' }));

    expect(await screen.findByTestId('history-100')).toBeInTheDocument();
    expect(getHistory).toHaveBeenLastCalledWith(
      expect.objectContaining({ kind: 'Component' }),
      { limit: 25, cursor: 'c2' },
    );
    expect(
      screen.getByRole('img', {
        name: /v1 100% → 90% → 75% → 50%; v2 0% → 10% → 25% → 50%$/,
      }),
    ).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('puts new records on top when refreshed, keeping older pages', async () => {
    const newer = {
      ...CANARY_RECORDS[0],
      id: '105',
      action: 'rollback',
      createdAt: new Date(T.second + 60_000).toISOString(),
    };
    const getHistory = jest
      .fn()
      .mockResolvedValueOnce({ items: CANARY_RECORDS, nextCursor: 'c2' })
      .mockResolvedValueOnce({ items: [START_RECORD] })
      .mockResolvedValueOnce({
        items: [newer, ...CANARY_RECORDS],
        nextCursor: 'c2-later',
      });
    const { rerender } = await renderHistory(getHistory, 'a');
    fireEvent.click(await screen.findByRole('button', { name: 'Load more' }));
    await screen.findByTestId('history-100');

    rerender('b');

    await screen.findByTestId('history-105');
    expect(
      screen.getAllByTestId(/^history-/).map(e => e.dataset.testid),
    ).toEqual([
      'history-105',
      'history-104',
      'history-103',
      'history-102',
      'history-101',
      'history-100',
    ]);
  });

  it('says when nothing was recorded', async () => {
    await renderHistory(jest.fn().mockResolvedValue({ items: [] }));
    expect(
      await screen.findByText(/No changes recorded yet/),
    ).toBeInTheDocument();
    expect(screen.queryByRole('img')).toBeNull();
  });

  it('shows a failed load in an error panel', async () => {
    await renderHistory(
      jest.fn().mockRejectedValue(new Error('history unavailable')),
    );
    await waitFor(() =>
      expect(screen.getAllByText(/history unavailable/).length).toBeGreaterThan(
        0,
      ),
    );
  });
});
