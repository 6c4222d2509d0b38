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
import { signalApiRef } from '@backstage/plugin-signals-react';
import { renderInTestApp } from '@backstage/test-utils';
import type { VirtualServiceView } from '@istio-rollouts/plugin-istio-rollouts-common';
import {
  act,
  fireEvent,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import type { IstioRolloutsApi } from '../../api/IstioRolloutsApi';
import { responseError, testSignalApi } from '../../__testUtils__/api';
import { CANARY_RECORDS } from '../../__testUtils__/auditRecords';
import {
  CATALOG_ROUTES,
  Providers,
  testEntity,
  unannotatedEntity,
} from '../../__testUtils__/render';
import {
  entityRolloutView,
  route,
  targetedRoute,
  vsView,
} from '../../__testUtils__/views';
import {
  APPROVAL_POLICY,
  promotionRequest,
  routeActionResult,
} from '../../__testUtils__/writes';
import { IstioRolloutsContent } from './IstioRolloutsContent';

/** demo/reviews with its route `primary` at v1 90%, v2 10%. */
const reviews = (overrides: Partial<VirtualServiceView> = {}) =>
  vsView([route([90, 10])], overrides);

function renderTab(
  api: Partial<IstioRolloutsApi>,
  entity: Entity = testEntity(),
  apis: any[] = [],
) {
  return renderInTestApp(
    <Providers api={api} entity={entity} apis={apis}>
      <IstioRolloutsContent />
    </Providers>,
    // Requesters, approvers and actors link to their catalog pages.
    CATALOG_ROUTES,
  );
}

// Whole-tab flows (dialogs, refetches) render the full tab several times:
// on a loaded 2-core machine one can take longer than Jest's default 5 s.
jest.setTimeout(30_000);

describe('IstioRolloutsContent', () => {
  it('shows the missing-annotation state without calling the backend', async () => {
    const getEntityView = jest.fn();
    await renderTab({ getEntityView }, unannotatedEntity());

    expect(await screen.findByText(/Missing Annotation/i)).toBeInTheDocument();
    expect(getEntityView).not.toHaveBeenCalled();
  });

  it('shows progress while the view loads', async () => {
    await renderTab({ getEntityView: () => new Promise(() => {}) });

    expect(await screen.findByTestId('progress')).toBeInTheDocument();
  });

  it('says so when the user may not see the rollouts', async () => {
    const error = await responseError(
      403,
      'NotAllowedError',
      'You may not see the rollouts of component:default/reviews',
    );
    await renderTab({
      getEntityView: async () => {
        throw error;
      },
    });

    expect(
      await screen.findByText("You may not see this service's rollouts"),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        'You may not see the rollouts of component:default/reviews',
      ),
    ).toBeInTheDocument();
  });

  it('shows any other backend error in an error panel', async () => {
    const error = await responseError(
      503,
      'ServiceUnavailableError',
      'The catalog does not answer',
    );
    await renderTab({
      getEntityView: async () => {
        throw error;
      },
    });

    expect(await screen.findByRole('alert')).toBeInTheDocument();
    expect(
      screen.getAllByText(/The catalog does not answer/).length,
    ).toBeGreaterThan(0);
  });

  it('says when no cluster is configured, and when nothing matches', async () => {
    const { unmount } = await renderTab({
      getEntityView: async () => entityRolloutView([]),
    });
    expect(
      await screen.findByText('No cluster configured'),
    ).toBeInTheDocument();
    unmount();

    await renderTab({
      getEntityView: async () =>
        entityRolloutView([{ cluster: 'local', virtualServices: [] }]),
    });
    expect(
      await screen.findByText('No VirtualService found'),
    ).toBeInTheDocument();
  });

  it('shows a canary: strategy, sentence, labelled split and versions', async () => {
    await renderTab({
      getEntityView: async () =>
        entityRolloutView([{ cluster: 'local', virtualServices: [reviews()] }]),
    });

    expect(await screen.findByText('demo/reviews')).toBeInTheDocument();
    expect(screen.getByText('Canary')).toBeInTheDocument();
    expect(
      screen.getByText('Canary: 10% of traffic goes to v2, 90% stays on v1'),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('img', { name: 'Traffic split: v1 90%, v2 10%' }),
    ).toBeInTheDocument();
    expect(screen.getByText('v1 90%')).toBeInTheDocument();
    expect(screen.getByText('v2: 10%')).toBeInTheDocument();
    const table =
      screen.getByText('Versions').closest('table') ?? document.body;
    expect(
      within(table as HTMLElement).getByText('Deployment reviews-v2'),
    ).toBeInTheDocument();
    expect(
      within(table as HTMLElement).getByText('example/reviews:v2'),
    ).toBeInTheDocument();
  });

  it('shows match rules, mirror, controllers, GitOps and warnings', async () => {
    const mirrored = route([100], {
      index: 1,
      mirror: {
        versionKey: 'reviews/v2',
        host: 'reviews',
        subset: 'v2',
        percentage: 20,
      },
      strategy: 'mirror',
      explanation: 'Mirror: all traffic served by v1; 20% copied to v2',
      warnings: [
        {
          code: 'no-ready-pods',
          severity: 'error',
          message: 'v2 has no ready pods',
        },
      ],
    });
    const targeted = vsView([targetedRoute(), mirrored], {
      managedBy: {
        controller: 'argo-rollouts',
        namespace: 'demo',
        name: 'reviews',
        strategy: 'canary',
        phase: 'Paused',
        step: 'step 2 of 5',
      },
      trackedBy: [{ tool: 'argo-cd', source: 'bookinfo' }],
    });
    await renderTab({
      getEntityView: async () =>
        entityRolloutView([{ cluster: 'local', virtualServices: [targeted] }]),
    });

    expect(
      await screen.findByText('header end-user exact jason'),
    ).toBeInTheDocument();
    expect(screen.getByText('Targeted (A/B)')).toBeInTheDocument();
    expect(
      screen.getByText(/20% of requests copied to v2/),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/Info: Managed by Argo Rollouts/),
    ).toBeInTheDocument();
    // A controller drives these weights: no buttons, a pointer instead.
    expect(
      screen.getAllByText('Managed by Argo Rollouts — change it there.'),
    ).toHaveLength(2);
    expect(screen.queryByRole('button', { name: /Mirror/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Scale…' })).toBeNull();
    expect(screen.getByText(/Tracked by Argo CD/)).toBeInTheDocument();
    expect(screen.getByText(/v2 has no ready pods/)).toBeInTheDocument();
  });

  it('offers actions per route and per Deployment, and refetches after one', async () => {
    const getEntityView = jest
      .fn()
      .mockResolvedValue(
        entityRolloutView([{ cluster: 'local', virtualServices: [reviews()] }]),
      );
    const applyRouteAction = jest
      .fn()
      .mockResolvedValue(routeActionResult([75, 25]));
    await renderTab({ getEntityView, applyRouteAction });

    const promote = await screen.findByRole('button', {
      name: 'Promote to 25%',
    });
    expect(screen.getAllByRole('button', { name: 'Scale…' })).toHaveLength(2);
    await waitFor(() => expect(promote).toBeEnabled());
    fireEvent.click(promote);
    fireEvent.click(
      within(await screen.findByRole('dialog')).getByRole('button', {
        name: 'Promote to 25%',
      }),
    );

    expect(
      await screen.findByText('✓ Applied: v1 75% · v2 25%'),
    ).toBeInTheDocument();
    expect(applyRouteAction.mock.calls[0][1].target).toEqual({
      cluster: 'local',
      namespace: 'demo',
      virtualService: 'reviews',
      route: 'primary',
    });
    await waitFor(() => expect(getEntityView).toHaveBeenCalledTimes(2));
  });

  it('shows a failing cluster next to a working one', async () => {
    await renderTab({
      getEntityView: async () =>
        entityRolloutView([
          { cluster: 'local', virtualServices: [reviews()] },
          {
            cluster: 'eu-west',
            virtualServices: [],
            error: {
              type: 'unreachable',
              message:
                'cluster eu-west, virtualServices: cannot reach the API server (ECONNREFUSED)',
            },
          },
        ]),
    });

    expect(
      await screen.findByText(/Cluster unreachable: eu-west/),
    ).toBeInTheDocument();
    expect(screen.getByText('demo/reviews')).toBeInTheDocument();
  });

  it('says when each cluster last synced, and warns about a stale one', async () => {
    // The view was computed at 00:00:00 (server clock): local synced 2 s
    // before, eu-west stopped answering 45 s before and is flagged stale.
    await renderTab({
      getEntityView: async () =>
        entityRolloutView([
          {
            cluster: 'local',
            virtualServices: [reviews()],
            syncedAt: '2026-11-25T23:59:58.000Z',
          },
          {
            cluster: 'eu-west',
            virtualServices: [reviews({ name: 'reviews-eu' })],
            syncedAt: '2026-11-25T23:59:15.000Z',
            stale: {
              since: '2026-11-25T23:59:45.000Z',
              message:
                'cluster eu-west: not confirmed current for 45 s (threshold 30 s): the API server does not answer; showing the last copy',
            },
          },
        ]),
    });

    expect(
      await screen.findByText(
        /Cluster eu-west may be out of date: last synced 4[5-9] s ago/,
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/the API server does not answer; showing the last copy/),
    ).toBeInTheDocument();
    expect(screen.getByText('local: last synced 2 s ago')).toBeInTheDocument();
    expect(screen.queryByText(/Cluster local may be out of date/)).toBeNull();
    // The last copy of the stale cluster is still shown.
    expect(screen.getByText('demo/reviews-eu')).toBeInTheDocument();
    expect(screen.getByText('demo/reviews')).toBeInTheDocument();
  });

  it('refetches when a signal carries a topic of the view', async () => {
    // The tab also listens for promotion requests, on a channel of their own.
    const signals = testSignalApi();
    const listener = (message: Record<string, unknown>) =>
      signals.publish('istio-rollouts:changes', message);
    // The backend gives each cluster of the view the (opaque) topics of the
    // changes that concern it: its namespaces where it found something, any
    // change on the cluster where it found nothing or failed.
    const failing = {
      cluster: 'eu-west',
      virtualServices: [],
      error: { type: 'unreachable' as const, message: 'connect ECONNREFUSED' },
      signalTopics: ['topic-eu-west'],
    };
    const split = (v1: number, v2: number) =>
      entityRolloutView([
        {
          cluster: 'local',
          virtualServices: [vsView([route([v1, v2])])],
          signalTopics: ['topic-local-whole', 'topic-local-demo'],
        },
        failing,
      ]);
    const getEntityView = jest
      .fn()
      .mockResolvedValueOnce(split(90, 10))
      .mockResolvedValue(split(50, 50));
    await renderTab({ getEntityView }, testEntity(), [
      [signalApiRef, signals.api],
    ]);
    expect(await screen.findByText('v1 90%')).toBeInTheDocument();

    // A change elsewhere is ignored, and so is a message naming a namespace.
    await act(async () =>
      listener({ topic: 'topic-local-other', clusterTopic: 'topic-local' }),
    );
    await act(async () => listener({ cluster: 'local', namespace: 'demo' }));
    // A change of a namespace the view shows refetches it, once.
    expect(getEntityView).toHaveBeenCalledTimes(1);
    await act(async () =>
      listener({ topic: 'topic-local-demo', clusterTopic: 'topic-local' }),
    );

    expect(await screen.findByText('v1 50%')).toBeInTheDocument();
    expect(getEntityView).toHaveBeenCalledTimes(2);

    // Any change on the failing cluster may bring it back.
    await act(async () =>
      listener({ topic: 'topic-eu-west-other', clusterTopic: 'topic-eu-west' }),
    );
    await waitFor(() => expect(getEntityView).toHaveBeenCalledTimes(3));
  });

  it('shows pending requests above the routes and the history below, and applies the approval policy to the actions', async () => {
    const policy = { ...APPROVAL_POLICY, ownersApplyDirectly: false };
    await renderTab({
      getEntityView: async () =>
        entityRolloutView([{ cluster: 'local', virtualServices: [reviews()] }]),
      listRequests: async (_e, query) => ({
        items: query?.status?.includes('pending') ? [promotionRequest()] : [],
        policy,
      }),
      getHistory: async () => ({ items: CANARY_RECORDS }),
    });

    const requests = await screen.findByText('Promotion requests (1)');
    // Owners request too under this policy: the tab passes it to the routes.
    expect(
      await screen.findByRole('button', { name: 'Request promotion to 25%' }),
    ).toBeInTheDocument();
    const chart = await screen.findByRole('img', {
      name: /^Weights over time on local · demo\/reviews · Route "primary": v1 90% → 75% → 50%/,
    });
    const routes = screen.getByText('demo/reviews');
    const follows = (a: Element, b: Element) =>
      !!(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING);
    expect(follows(requests, routes)).toBe(true);
    expect(follows(routes, chart)).toBe(true);
  });
});
