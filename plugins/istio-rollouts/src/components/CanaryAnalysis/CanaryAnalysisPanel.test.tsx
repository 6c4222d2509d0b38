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
import type { CanaryAnalysisView } from '@istio-rollouts/plugin-istio-rollouts-common';
import { fireEvent, screen, within } from '@testing-library/react';
import { analysisView, check, comparison } from '../../__testUtils__/metrics';
import { tableRow } from '../../__testUtils__/render';
import { route, version } from '../../__testUtils__/views';
import { CanaryAnalysisPanel } from './CanaryAnalysisPanel';

async function renderPanel(analysis: CanaryAnalysisView) {
  await renderInTestApp(
    <CanaryAnalysisPanel
      analysis={analysis}
      versions={[version('v1'), version('v2')]}
      routes={[route([90, 10])]}
    />,
  );
  return screen.getByRole('region', { name: 'Canary analysis' });
}

describe('CanaryAnalysisPanel', () => {
  it('shows a failing verdict with its reasons, route, versions, window and time', async () => {
    const panel = await renderPanel(analysisView());

    const verdict = within(panel).getByText('Canary analysis: fail');
    expect(
      within(verdict.parentElement!).getByTestId('status-error'),
    ).toBeInTheDocument();
    const reasons = within(panel).getByRole('list', { name: 'Reasons' });
    expect(
      within(reasons)
        .getAllByRole('listitem')
        .map(li => li.textContent),
    ).toEqual([
      'request-success-rate is 80, below the minimum of 99.',
      'request-duration is 612, above the maximum of 500.',
      'latency-p99: the canary is significantly higher than stable (medians 612 vs 24.5, p = 0.004), beyond the allowed difference of 0.1.',
    ]);
    expect(
      within(panel).getByText('Route "primary": canary v2 against stable v1'),
    ).toBeInTheDocument();
    expect(panel).toHaveTextContent('last 1m, evaluated 12:03:04');
    expect(within(panel).getByText('Auto-rollback off')).toBeInTheDocument();
  });

  it('lists each check with its value, threshold and outcome, the PromQL on hover', async () => {
    const panel = await renderPanel(
      analysisView({
        checks: [
          check(),
          check({
            name: 'request-duration',
            query: 'histogram_quantile(0.99, sum by (le) (rate(x[1m])))',
            value: 212,
            threshold: { max: 500 },
            outcome: 'pass',
            message: 'request-duration is 212, below the maximum 500',
          }),
        ],
      }),
    );

    const success = tableRow(panel, 'request-success-rate');
    expect(within(success).getByText('80%')).toBeInTheDocument();
    expect(within(success).getByText('≥ 99%')).toBeInTheDocument();
    expect(within(success).getByText('fail')).toBeInTheDocument();
    expect(within(success).getByTestId('status-error')).toBeInTheDocument();

    const duration = tableRow(panel, 'request-duration');
    expect(within(duration).getByText('212 ms')).toBeInTheDocument();
    expect(within(duration).getByText('≤ 500 ms')).toBeInTheDocument();
    expect(within(duration).getByText('pass')).toBeInTheDocument();
    expect(within(duration).getByTestId('status-ok')).toBeInTheDocument();

    fireEvent.mouseOver(within(duration).getByText('request-duration'));
    expect(
      await screen.findByText(
        'histogram_quantile(0.99, sum by (le) (rate(x[1m])))',
      ),
    ).toBeInTheDocument();
  });

  it('lists each comparison of canary against stable', async () => {
    const panel = await renderPanel(
      analysisView({
        comparisons: [
          comparison(),
          comparison({
            metric: 'error-rate',
            canary: { samples: 2, median: null },
            stable: { samples: 6, median: 0 },
            pValue: null,
            tolerance: 0.05,
            outcome: 'no-data',
            message: 'Too few samples of the canary (2) to compare',
          }),
        ],
      }),
    );

    const latency = tableRow(panel, 'latency-p99');
    for (const text of [
      '612 ms (6 samples)',
      '24.5 ms (6 samples)',
      '0.004',
      '±10%',
      'canary higher',
    ]) {
      expect(within(latency).getByText(text)).toBeInTheDocument();
    }
    // Higher latency is worse: a failure.
    expect(within(latency).getByTestId('status-error')).toBeInTheDocument();

    const errors = tableRow(panel, 'error-rate');
    for (const text of ['— (2 samples)', '0% (6 samples)', '—', '±5%']) {
      expect(within(errors).getByText(text)).toBeInTheDocument();
    }
    expect(within(errors).getByText('no data')).toBeInTheDocument();
    fireEvent.mouseOver(within(errors).getByText('no data'));
    expect(
      await screen.findByText('Too few samples of the canary (2) to compare'),
    ).toBeInTheDocument();
  });

  it.each([
    ['pass', 'status-ok'],
    ['marginal', 'status-warning'],
    ['no-data', 'status-aborted'],
  ] as const)('shows a %s verdict with its icon', async (verdict, icon) => {
    const panel = await renderPanel(
      analysisView({ verdict, reasons: [`reason for ${verdict}`] }),
    );
    const label = verdict === 'no-data' ? 'no data' : verdict;
    const heading = within(panel).getByText(`Canary analysis: ${label}`);
    expect(
      within(heading.parentElement!).getByTestId(icon),
    ).toBeInTheDocument();
    expect(
      within(panel).getByText(`reason for ${verdict}`),
    ).toBeInTheDocument();
  });

  it('leaves out empty tables, e.g. when Prometheus could not be read', async () => {
    const panel = await renderPanel(
      analysisView({
        verdict: 'no-data',
        reasons: ['Prometheus could not be read: connection refused'],
        checks: [],
        comparisons: [],
      }),
    );
    expect(
      within(panel).getByText(
        'Prometheus could not be read: connection refused',
      ),
    ).toBeInTheDocument();
    expect(within(panel).queryByText('Checks')).not.toBeInTheDocument();
    expect(
      within(panel).queryByText('Canary against stable'),
    ).not.toBeInTheDocument();
    expect(within(panel).queryByRole('table')).not.toBeInTheDocument();
  });

  it('says when a failing verdict rolls the route back', async () => {
    const panel = await renderPanel(analysisView({ autoRollback: true }));
    const chip = within(panel).getByText('Auto-rollback on');
    fireEvent.mouseOver(chip);
    expect(
      await screen.findByText(
        'A failing verdict rolls this route back to the stable version',
      ),
    ).toBeInTheDocument();
  });
});
