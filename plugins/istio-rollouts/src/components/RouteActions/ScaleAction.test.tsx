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
import { responseError } from '../../__testUtils__/api';
import { Providers, testEntity } from '../../__testUtils__/render';
import { version } from '../../__testUtils__/views';
import { ScaleAction } from './ScaleAction';

const workload = version('v2').workloads[0];

async function renderScale(
  scaleVersion: jest.Mock,
  decide: (name: string) => 'ALLOW' | 'DENY' = () => 'ALLOW',
) {
  const onChanged = jest.fn();
  await renderInTestApp(
    <Providers api={{ scaleVersion }} entity={testEntity()} decide={decide}>
      <ScaleAction cluster="local" workload={workload} onChanged={onChanged} />
    </Providers>,
  );
  return { onChanged };
}

const scaleButton = () => screen.getByRole('button', { name: 'Scale…' });

describe('ScaleAction', () => {
  it('scales the Deployment to the chosen replica count', async () => {
    const scaleVersion = jest.fn().mockResolvedValue({
      dryRun: false,
      namespace: 'demo',
      deployment: 'reviews-v2',
      replicasBefore: 2,
      replicasAfter: 4,
    });
    const { onChanged } = await renderScale(scaleVersion);

    await waitFor(() => expect(scaleButton()).toBeEnabled());
    fireEvent.click(scaleButton());
    const dialog = await screen.findByRole('dialog');
    const replicas = within(dialog).getByLabelText('Replicas');
    expect(replicas).toHaveValue(2);
    fireEvent.change(replicas, { target: { value: '-1' } });
    expect(
      within(dialog).getByRole('button', { name: 'Scale' }),
    ).toBeDisabled();
    fireEvent.change(replicas, { target: { value: '4' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Scale' }));

    expect(
      await screen.findByText(/Scaled reviews-v2: 2 → 4/),
    ).toBeInTheDocument();
    expect(scaleVersion).toHaveBeenCalledWith(
      expect.objectContaining({ kind: 'Component' }),
      {
        cluster: 'local',
        namespace: 'demo',
        deployment: 'reviews-v2',
        replicas: 4,
      },
    );
    expect(onChanged).toHaveBeenCalled();
  });

  it("shows the backend's message when scaling fails", async () => {
    const scaleVersion = jest
      .fn()
      .mockRejectedValue(
        await responseError(
          404,
          'NotFoundError',
          'Deployment demo/reviews-v2 not found',
        ),
      );
    await renderScale(scaleVersion);
    await waitFor(() => expect(scaleButton()).toBeEnabled());
    fireEvent.click(scaleButton());
    fireEvent.click(
      within(await screen.findByRole('dialog')).getByRole('button', {
        name: 'Scale',
      }),
    );
    expect(
      await screen.findByText('Deployment demo/reviews-v2 not found'),
    ).toBeInTheDocument();
  });

  it('is disabled, saying why, without the scale permission', async () => {
    await renderScale(jest.fn(), () => 'DENY');
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Scale…' })).toBeDisabled(),
    );
    fireEvent.mouseOver(scaleButton().parentElement!);
    expect(
      await screen.findByText(
        /Only owners of .* or the platform team may scale versions/,
      ),
    ).toBeInTheDocument();
  });
});
