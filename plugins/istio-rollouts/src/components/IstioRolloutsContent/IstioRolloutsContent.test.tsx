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

import { Entity } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import {
  IstioRolloutsApi,
  istioRolloutsApiRef,
} from '../../api/IstioRolloutsApi';
import { IstioRolloutsContent } from './IstioRolloutsContent';

function entity(annotations: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'reviews', annotations },
    spec: { type: 'service', owner: 'team-bookinfo', lifecycle: 'production' },
  };
}

function renderTab(e: Entity, api: IstioRolloutsApi) {
  return renderInTestApp(
    <TestApiProvider apis={[[istioRolloutsApiRef, api]]}>
      <EntityProvider entity={e}>
        <IstioRolloutsContent />
      </EntityProvider>
    </TestApiProvider>,
  );
}

describe('IstioRolloutsContent', () => {
  it('shows what the annotations select once the backend answers', async () => {
    const getHealth = jest.fn().mockResolvedValue({ status: 'ok' });
    await renderTab(
      entity({
        'istio-rollouts/virtual-services': 'reviews,bookinfo/reviews-canary',
        'istio-rollouts/canary-steps': '5,50,100',
        'backstage.io/kubernetes-namespace': 'bookinfo',
      }),
      { getHealth },
    );

    expect(await screen.findByText('Istio Rollouts')).toBeInTheDocument();
    expect(
      screen.getByText('reviews, bookinfo/reviews-canary'),
    ).toBeInTheDocument();
    expect(screen.getByText('5% → 50% → 100%')).toBeInTheDocument();
    expect(screen.getByText('bookinfo')).toBeInTheDocument();
    expect(getHealth).toHaveBeenCalledTimes(1);
  });

  it('lists annotation problems next to what still works', async () => {
    await renderTab(
      entity({
        'backstage.io/kubernetes-id': 'reviews',
        'istio-rollouts/canary-steps': '10,50',
      }),
      { getHealth: async () => ({ status: 'ok' }) },
    );

    expect(
      await screen.findByText(
        'istio-rollouts/canary-steps: the last step must be 100; using 10, 25, 50, 100',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        'discovered from Services labelled backstage.io/kubernetes-id=reviews',
      ),
    ).toBeInTheDocument();
  });

  it('shows the missing-annotation state without calling the backend', async () => {
    const getHealth = jest.fn();
    await renderTab(entity({}), { getHealth });

    expect(await screen.findByText(/Missing Annotation/i)).toBeInTheDocument();
    expect(getHealth).not.toHaveBeenCalled();
  });

  it('shows the backend error in an error panel', async () => {
    const response = new Response(
      JSON.stringify({
        error: { name: 'NotFoundError', message: 'No plugin istio-rollouts' },
        response: { statusCode: 404 },
      }),
      { status: 404, headers: { 'content-type': 'application/json' } },
    );
    const error = await ResponseError.fromResponse(response as any);
    await renderTab(entity({ 'backstage.io/kubernetes-id': 'reviews' }), {
      getHealth: async () => {
        throw error;
      },
    });

    expect(await screen.findByRole('alert')).toBeInTheDocument();
    expect(
      screen.getAllByText('No plugin istio-rollouts').length,
    ).toBeGreaterThan(0);
  });
});
