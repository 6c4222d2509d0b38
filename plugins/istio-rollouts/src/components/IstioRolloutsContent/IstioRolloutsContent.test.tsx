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
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { signalApiRef } from '@backstage/plugin-signals-react';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import type {
  EntityRolloutView,
  VirtualServiceView,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import {
  act,
  fireEvent,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import {
  IstioRolloutsApi,
  istioRolloutsApiRef,
} from '../../api/IstioRolloutsApi';
import {
  POLICY,
  promotionRequest,
  testApi,
} from '../RouteActions/__testUtils__/fixtures';
import { CANARY_RECORDS } from '../RolloutHistory/__testUtils__/records';
import { IstioRolloutsContent } from './IstioRolloutsContent';

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'reviews',
    annotations: { 'istio-rollouts/virtual-services': 'demo/reviews' },
  },
  spec: { type: 'service', owner: 'team-bookinfo', lifecycle: 'production' },
};

function version(subset: string, ready = 2) {
  return {
    key: `reviews/${subset}`,
    label: subset,
    host: 'reviews',
    fqdn: 'reviews.demo.svc.cluster.local',
    subset,
    labels: { version: subset },
    workloads: [
      {
        kind: 'Deployment' as const,
        namespace: 'demo',
        name: `reviews-${subset}`,
        images: [`example/reviews:${subset}`],
        replicas: { desired: 2, ready, updated: 2, available: ready },
        updateStrategy: 'RollingUpdate' as const,
      },
    ],
    ready,
    desired: 2,
  };
}

function vsView(
  overrides: Partial<VirtualServiceView> = {},
): VirtualServiceView {
  return {
    namespace: 'demo',
    name: 'reviews',
    apiVersion: 'networking.istio.io/v1',
    resourceVersion: '42',
    hosts: ['reviews'],
    gateways: [],
    versions: [version('v1'), version('v2')],
    routes: [
      {
        index: 0,
        name: 'primary',
        match: [],
        destinations: [
          {
            versionKey: 'reviews/v1',
            host: 'reviews',
            subset: 'v1',
            weight: 90,
          },
          {
            versionKey: 'reviews/v2',
            host: 'reviews',
            subset: 'v2',
            weight: 10,
          },
        ],
        strategy: 'canary',
        explanation: 'Canary: 10% of traffic goes to v2, 90% stays on v1',
        warnings: [],
      },
    ],
    nonHttpRoutes: [],
    warnings: [],
    ...overrides,
  };
}

function view(clusters: EntityRolloutView['clusters']): EntityRolloutView {
  return {
    entityRef: 'component:default/reviews',
    clusters,
    generatedAt: '2026-11-26T00:00:00Z',
  };
}

function renderTab(
  api: Partial<IstioRolloutsApi>,
  e: Entity = entity,
  extraApis: any[] = [],
) {
  const full: IstioRolloutsApi = testApi({
    getEntityView: async () => view([]),
    applyRouteAction: jest.fn(),
    scaleVersion: jest.fn(),
    ...api,
  });
  // The route actions ask the permission API; the factory carries its ref,
  // which this package cannot import (plugin-permission-react is no dep).
  const permission = mockApis.permission.factory();
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [istioRolloutsApiRef, full],
        [permission.api, permission.factory({})],
        ...extraApis,
      ]}
    >
      <EntityProvider entity={e}>
        <IstioRolloutsContent />
      </EntityProvider>
    </TestApiProvider>,
    // Requesters, approvers and actors link to their catalog pages.
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

// Whole-tab flows (dialogs, refetches) render the full tab several times:
// on a loaded 2-core machine one can take longer than Jest's default 5 s.
jest.setTimeout(30_000);

describe('IstioRolloutsContent', () => {
  it('shows the missing-annotation state without calling the backend', async () => {
    const getEntityView = jest.fn();
    await renderTab({ getEntityView }, { ...entity, metadata: { name: 'x' } });

    expect(await screen.findByText(/Missing Annotation/i)).toBeInTheDocument();
    expect(getEntityView).not.toHaveBeenCalled();
  });

  it('shows progress while the view loads', async () => {
    await renderTab({ getEntityView: () => new Promise(() => {}) });

    expect(await screen.findByTestId('progress')).toBeInTheDocument();
  });

  it('shows a backend error in an error panel', async () => {
    const response = new Response(
      JSON.stringify({
        error: {
          name: 'NotAllowedError',
          message: 'You may not see the rollouts of component:default/reviews',
        },
        response: { statusCode: 403 },
      }),
      { status: 403, headers: { 'content-type': 'application/json' } },
    );
    const error = await ResponseError.fromResponse(response as any);
    await renderTab({
      getEntityView: async () => {
        throw error;
      },
    });

    expect(await screen.findByRole('alert')).toBeInTheDocument();
    expect(
      screen.getAllByText(/You may not see the rollouts/).length,
    ).toBeGreaterThan(0);
  });

  it('says when no cluster is configured, and when nothing matches', async () => {
    const { unmount } = await renderTab({
      getEntityView: async () => view([]),
    });
    expect(
      await screen.findByText('No cluster configured'),
    ).toBeInTheDocument();
    unmount();

    await renderTab({
      getEntityView: async () =>
        view([{ cluster: 'local', virtualServices: [] }]),
    });
    expect(
      await screen.findByText('No VirtualService found'),
    ).toBeInTheDocument();
  });

  it('shows a canary: strategy, sentence, labelled split and versions', async () => {
    await renderTab({
      getEntityView: async () =>
        view([{ cluster: 'local', virtualServices: [vsView()] }]),
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
    const targeted = vsView({
      routes: [
        {
          index: 0,
          match: [
            [
              {
                kind: 'header',
                name: 'end-user',
                operator: 'exact',
                value: 'jason',
              },
            ],
          ],
          destinations: [
            {
              versionKey: 'reviews/v2',
              host: 'reviews',
              subset: 'v2',
              weight: 100,
            },
          ],
          strategy: 'targeted',
          explanation:
            'Targeted: requests with header end-user = jason go to v2',
          warnings: [],
        },
        {
          index: 1,
          match: [],
          destinations: [
            {
              versionKey: 'reviews/v1',
              host: 'reviews',
              subset: 'v1',
              weight: 100,
            },
          ],
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
        },
      ],
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
        view([{ cluster: 'local', virtualServices: [targeted] }]),
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
        view([{ cluster: 'local', virtualServices: [vsView()] }]),
      );
    const applyRouteAction = jest.fn().mockResolvedValue({
      dryRun: false,
      patch: [],
      before: { index: 0, destinations: [] },
      after: {
        index: 0,
        name: 'primary',
        destinations: [
          { host: 'reviews', subset: 'v1', weight: 75 },
          { host: 'reviews', subset: 'v2', weight: 25 },
        ],
      },
      resultingRoute: {},
      resourceVersionBefore: '42',
      resourceVersionAfter: '43',
      warnings: [],
    });
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
        view([
          { cluster: 'local', virtualServices: [vsView()] },
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
        view([
          {
            cluster: 'local',
            virtualServices: [vsView()],
            syncedAt: '2026-11-25T23:59:58.000Z',
          },
          {
            cluster: 'eu-west',
            virtualServices: [vsView({ name: 'reviews-eu' })],
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
    // One listener per channel: the tab also listens for promotion requests.
    const listeners: Record<string, (m: any) => void> = {};
    const signalApi = {
      subscribe: (channel: string, on: (m: any) => void) => {
        listeners[channel] = on;
        return { unsubscribe() {} };
      },
    };
    const listener = (m: any) => listeners['istio-rollouts:changes'](m);
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
      view([
        {
          cluster: 'local',
          virtualServices: [
            vsView({
              routes: [
                {
                  ...vsView().routes[0],
                  destinations: [
                    {
                      versionKey: 'reviews/v1',
                      host: 'reviews',
                      subset: 'v1',
                      weight: v1,
                    },
                    {
                      versionKey: 'reviews/v2',
                      host: 'reviews',
                      subset: 'v2',
                      weight: v2,
                    },
                  ],
                },
              ],
            }),
          ],
          signalTopics: ['topic-local-whole', 'topic-local-demo'],
        },
        failing,
      ]);
    const getEntityView = jest
      .fn()
      .mockResolvedValueOnce(split(90, 10))
      .mockResolvedValue(split(50, 50));
    await renderTab({ getEntityView }, entity, [[signalApiRef, signalApi]]);
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
    const policy = { ...POLICY, ownersApplyDirectly: false };
    await renderTab({
      getEntityView: async () =>
        view([{ cluster: 'local', virtualServices: [vsView()] }]),
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
