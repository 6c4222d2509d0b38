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
import { identityApiRef } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { signalApiRef } from '@backstage/plugin-signals-react';
import { mockApis, renderInTestApp } from '@backstage/test-utils';
import type {
  ApprovalPolicy,
  PromotionRequest,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import {
  act,
  fireEvent,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import { usePromotionRequests } from '../../hooks/usePromotionRequests';
import { responseError, testSignalApi } from '../../__testUtils__/api';
import { analysisView } from '../../__testUtils__/metrics';
import {
  CATALOG_ROUTES,
  Providers,
  testEntity,
} from '../../__testUtils__/render';
import { localRolloutView } from '../../__testUtils__/views';
import { APPROVAL_POLICY, promotionRequest } from '../../__testUtils__/writes';
import { PromotionRequestsCard } from './PromotionRequestsCard';

const view = localRolloutView();

// The card as the tab uses it: fed by the hook, which loads and refreshes.
const Harness = ({ onRouteChanged }: { onRouteChanged: () => void }) => {
  const { entity } = useEntity();
  const requests = usePromotionRequests(entity);
  return (
    <PromotionRequestsCard
      requests={requests}
      view={view}
      onRouteChanged={onRouteChanged}
    />
  );
};

async function renderCard(options: {
  pending?: PromotionRequest[];
  decided?: PromotionRequest[];
  policy?: ApprovalPolicy;
  user?: string;
  decide?: (name: string) => 'ALLOW' | 'DENY';
  api?: Record<string, jest.Mock>;
  signalApi?: unknown;
  entity?: Entity;
  signalTopic?: string;
}) {
  const policy = options.policy ?? APPROVAL_POLICY;
  const { signalTopic } = options;
  const listRequests = jest.fn(async (_entity, query) =>
    query?.status?.includes('pending')
      ? { items: options.pending ?? [], policy, signalTopic }
      : { items: options.decided ?? [], policy, signalTopic },
  );
  const onRouteChanged = jest.fn();
  const apis: any[] = [
    [
      identityApiRef,
      mockApis.identity({
        userEntityRef: options.user ?? 'user:default/alice',
      }),
    ],
  ];
  if (options.signalApi) apis.push([signalApiRef, options.signalApi]);
  await renderInTestApp(
    <Providers
      api={{ listRequests, ...options.api }}
      entity={options.entity ?? testEntity()}
      decide={options.decide}
      apis={apis}
    >
      <Harness onRouteChanged={onRouteChanged} />
    </Providers>,
    CATALOG_ROUTES,
  );
  return { listRequests, onRouteChanged };
}

const item = (id: string) => screen.findByTestId(`request-${id}`);

async function enabled(container: HTMLElement, name: string | RegExp) {
  const button = within(container).getByRole('button', { name });
  await waitFor(() => expect(button).toBeEnabled());
  return button;
}

describe('PromotionRequestsCard', () => {
  it('lists a pending request: change, route, weights before → planned after, requester, reason, age, expiry', async () => {
    await renderCard({ pending: [promotionRequest()] });

    const request = await item('req-1');
    expect(
      within(request).getByText('Promote to next step'),
    ).toBeInTheDocument();
    expect(
      within(request).getByText('local · demo/reviews · Route "primary"'),
    ).toBeInTheDocument();
    expect(
      within(request).getByText('v1 90% · v2 10% → v1 75% · v2 25%'),
    ).toBeInTheDocument();
    expect(within(request).getByText('bob')).toBeInTheDocument();
    expect(
      within(request).getByText(/error rate flat for an hour/),
    ).toBeInTheDocument();
    expect(
      within(request).getByText('requested 5 minutes ago'),
    ).toBeInTheDocument();
    expect(
      within(request).getByText(/expires in 23 hours/),
    ).toBeInTheDocument();
    expect(screen.getByText('Promotion requests (1)')).toBeInTheDocument();
    expect(
      screen.getByText(
        'Four-eyes rule: requesters cannot approve their own requests · pending requests expire after 1 day',
      ),
    ).toBeInTheDocument();
  });

  it('approves with the note, then refreshes the requests and the view', async () => {
    const approveRequest = jest
      .fn()
      .mockResolvedValue(promotionRequest({ status: 'applied' }));
    const { listRequests, onRouteChanged } = await renderCard({
      pending: [promotionRequest()],
      api: { approveRequest },
    });
    const request = await item('req-1');
    const callsBefore = listRequests.mock.calls.length;

    fireEvent.click(await enabled(request, 'Approve…'));
    // Named by its title, for screen readers.
    const dialog = await screen.findByRole('dialog', {
      name: 'Approve: Promote to next step',
    });
    expect(
      within(dialog).getByText(/v1 90% · v2 10% → v1 75% · v2 25%/),
    ).toBeInTheDocument();
    fireEvent.change(within(dialog).getByLabelText('Note (optional)'), {
      target: { value: 'canary metrics look good' },
    });
    fireEvent.click(
      within(dialog).getByRole('button', { name: 'Approve and apply' }),
    );

    expect(
      await screen.findByText('✓ Approved and applied: v1 75% · v2 25%'),
    ).toBeInTheDocument();
    expect(approveRequest).toHaveBeenCalledWith('req-1', {
      reason: 'canary metrics look good',
    });
    expect(onRouteChanged).toHaveBeenCalledTimes(1);
    await waitFor(() =>
      expect(listRequests.mock.calls.length).toBeGreaterThan(callsBefore),
    );
  });

  it('describes a request for a controller action and approves it', async () => {
    const change = {
      type: 'controller-action' as const,
      controller: {
        cluster: 'local',
        namespace: 'demo',
        kind: 'Rollout' as const,
        name: 'storefront',
      },
      action: { type: 'argo' as const, action: 'promote' as const },
    };
    const approveRequest = jest
      .fn()
      .mockResolvedValue(promotionRequest({ change, status: 'applied' }));
    await renderCard({
      pending: [promotionRequest({ change })],
      api: { approveRequest },
    });
    const request = await item('req-1');
    expect(
      within(request).getByText('Promote Rollout storefront one step'),
    ).toBeInTheDocument();

    fireEvent.click(await enabled(request, 'Approve…'));
    const dialog = await screen.findByRole('dialog', {
      name: 'Approve: Promote Rollout storefront one step',
    });
    expect(
      within(dialog).getByText(
        /^Approving asks Argo Rollouts at once to go on/,
      ),
    ).toBeInTheDocument();
    fireEvent.click(
      within(dialog).getByRole('button', { name: 'Approve and apply' }),
    );
    expect(
      await screen.findByText(
        '✓ Approved and applied: Promote Rollout storefront one step',
      ),
    ).toBeInTheDocument();
    expect(approveRequest).toHaveBeenCalledWith('req-1', {});
  });

  it('rejects only with a reason', async () => {
    const rejectRequest = jest
      .fn()
      .mockResolvedValue(promotionRequest({ status: 'rejected' }));
    const { onRouteChanged } = await renderCard({
      pending: [promotionRequest()],
      api: { rejectRequest },
    });

    fireEvent.click(await enabled(await item('req-1'), 'Reject…'));
    const dialog = await screen.findByRole('dialog');
    const reject = within(dialog).getByRole('button', { name: 'Reject' });
    expect(reject).toBeDisabled();
    fireEvent.change(within(dialog).getByLabelText(/Reason/), {
      target: { value: '   ' },
    });
    expect(reject).toBeDisabled();
    fireEvent.change(within(dialog).getByLabelText(/Reason/), {
      target: { value: 'change freeze until Monday' },
    });
    fireEvent.click(reject);

    expect(await screen.findByText('✓ Request rejected')).toBeInTheDocument();
    expect(rejectRequest).toHaveBeenCalledWith('req-1', {
      reason: 'change freeze until Monday',
    });
    expect(onRouteChanged).not.toHaveBeenCalled();
  });

  it('under four-eyes, disables approving your own request and offers to cancel it', async () => {
    await renderCard({
      user: 'user:default/bob',
      pending: [
        promotionRequest({ id: 'own', requestedBy: 'user:default/bob' }),
        promotionRequest({ id: 'other', requestedBy: 'user:default/carol' }),
      ],
    });

    const own = await item('own');
    const other = await item('other');
    // The other's request: approvable, not cancellable by this user.
    await enabled(other, 'Approve…');
    expect(
      within(other).queryByRole('button', { name: 'Cancel request…' }),
    ).toBeNull();

    const approve = within(own).getByRole('button', { name: 'Approve…' });
    expect(approve).toBeDisabled();
    await enabled(own, 'Cancel request…');
    fireEvent.mouseOver(approve.parentElement!);
    expect(
      await screen.findByText(
        'You requested this: another owner must approve it (four-eyes rule)',
      ),
    ).toBeInTheDocument();
  });

  it('without four-eyes, lets a requester approve their own request', async () => {
    await renderCard({
      user: 'user:default/bob',
      policy: { ...APPROVAL_POLICY, fourEyes: false },
      pending: [promotionRequest({ requestedBy: 'user:default/bob' })],
    });
    expect(await enabled(await item('req-1'), 'Approve…')).toBeEnabled();
  });

  it('cancels your own request', async () => {
    const cancelRequest = jest
      .fn()
      .mockResolvedValue(promotionRequest({ status: 'cancelled' }));
    await renderCard({
      user: 'user:default/bob',
      pending: [promotionRequest({ requestedBy: 'user:default/bob' })],
      api: { cancelRequest },
    });

    fireEvent.click(await enabled(await item('req-1'), 'Cancel request…'));
    const dialog = await screen.findByRole('dialog');
    fireEvent.click(
      within(dialog).getByRole('button', { name: 'Cancel request' }),
    );

    expect(await screen.findByText('✓ Request cancelled')).toBeInTheDocument();
    expect(cancelRequest).toHaveBeenCalledWith('req-1', {});
  });

  it('says why approving and rejecting are disabled without the apply permission', async () => {
    await renderCard({
      pending: [promotionRequest()],
      decide: name =>
        name === 'istio-rollouts.promotion.apply' ? 'DENY' : 'ALLOW',
    });
    const request = await item('req-1');
    const approve = within(request).getByRole('button', { name: 'Approve…' });
    await waitFor(() => expect(approve).toBeDisabled());
    expect(
      within(request).getByRole('button', { name: 'Reject…' }),
    ).toBeDisabled();
    fireEvent.mouseOver(approve.parentElement!);
    expect(
      await screen.findByText(
        /Only owners of reviews-\d+ or the platform team may approve or reject promotion requests/,
      ),
    ).toBeInTheDocument();
  });

  it('says nothing was applied when the route changed since the request', async () => {
    const approveRequest = jest
      .fn()
      .mockRejectedValue(
        await responseError(
          409,
          'ConflictError',
          'Route "primary" of demo/reviews changed since the request; it is now stale',
        ),
      );
    const { onRouteChanged } = await renderCard({
      pending: [promotionRequest()],
      api: { approveRequest },
    });

    fireEvent.click(await enabled(await item('req-1'), 'Approve…'));
    fireEvent.click(
      within(await screen.findByRole('dialog')).getByRole('button', {
        name: 'Approve and apply',
      }),
    );

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(
      'Nothing was applied: the route changed since this request was made',
    );
    expect(alert).toHaveTextContent(
      'Route "primary" of demo/reviews changed since the request; it is now stale',
    );
    expect(approveRequest).toHaveBeenCalledWith('req-1', {});
    // The view shows the route as it is now.
    expect(onRouteChanged).toHaveBeenCalledTimes(1);
  });

  it('says when nothing is pending, and keeps decided requests collapsed', async () => {
    await renderCard({
      decided: [
        promotionRequest({
          id: 'done',
          status: 'rejected',
          decidedBy: 'user:default/alice',
          decidedAt: new Date().toISOString(),
          decisionReason: 'change freeze',
        }),
      ],
    });

    expect(
      await screen.findByText('No pending promotion requests.'),
    ).toBeInTheDocument();
    expect(screen.queryByTestId('request-done')).toBeNull();
    fireEvent.click(
      screen.getByRole('button', { name: 'Show recently decided (1)' }),
    );
    const done = await item('done');
    expect(within(done).getByText('rejected')).toBeInTheDocument();
    expect(within(done).getByText(/change freeze/)).toBeInTheDocument();
    expect(within(done).queryByRole('button')).toBeNull();
  });

  it("refetches on a signal with this entity's topic only", async () => {
    const signals = testSignalApi();
    const entity = testEntity();
    // The list names the (opaque) topic of the entity's request signals.
    const { listRequests } = await renderCard({
      signalApi: signals.api,
      entity,
      signalTopic: 'topic-of-this-entity',
    });
    await screen.findByText('No pending promotion requests.');
    const calls = listRequests.mock.calls.length;
    const signal = (message: Record<string, unknown>) =>
      signals.publish('istio-rollouts:requests', message);

    await act(async () => signal({ topic: 'topic-of-another-entity' }));
    // A message naming the entity, as signals once did, is ignored too.
    await act(async () =>
      signal({
        entityRef: `component:default/${entity.metadata.name}`,
        requestId: 'x',
        status: 'pending',
      }),
    );
    expect(listRequests).toHaveBeenCalledTimes(calls);
    await act(async () => signal({ topic: 'topic-of-this-entity' }));
    // Pending and recently decided are fetched together.
    await waitFor(() => expect(listRequests).toHaveBeenCalledTimes(calls + 2));
  });
  it('offers nothing on a request past its expiry that the backend has not closed yet', async () => {
    await renderCard({
      user: 'user:default/bob',
      pending: [
        promotionRequest({
          requestedBy: 'user:default/bob',
          expiresAt: new Date(Date.now() - 60_000).toISOString(),
        }),
      ],
    });
    const request = await item('req-1');
    expect(
      within(request).getByText(/expired 1 minute ago/),
    ).toBeInTheDocument();
    await waitFor(() =>
      expect(
        within(request).getByRole('button', { name: 'Reject…' }),
      ).toBeDisabled(),
    );
    expect(
      within(request).getByRole('button', { name: 'Approve…' }),
    ).toBeDisabled();
    expect(
      within(request).queryByRole('button', { name: 'Cancel request…' }),
    ).toBeNull();
  });

  describe('with a canary analysis', () => {
    const FIRST_REASON =
      'Canary analysis: fail — request-success-rate is 80, below the minimum of 99.';
    const ALL_REASONS = `${FIRST_REASON} request-duration is 612, above the maximum of 500. latency-p99: the canary is significantly higher than stable (medians 612 vs 24.5, p = 0.004), beyond the allowed difference of 0.1.`;

    it('shows the approver the verdict and reasons on the request and before approving', async () => {
      await renderCard({
        pending: [
          promotionRequest({
            analysis: analysisView({
              evaluatedAt: new Date(Date.now() - 60_000).toISOString(),
            }),
          }),
        ],
      });

      // The list shows the worst reason; the others on hover.
      const request = await item('req-1');
      const summary = within(request).getByText(FIRST_REASON);
      expect(
        within(summary.parentElement!).getByTestId('status-error'),
      ).toBeInTheDocument();
      expect(request).toHaveTextContent(
        'last 1m, evaluated 1 minute ago · 2 more reasons',
      );
      fireEvent.mouseOver(within(request).getByText('2 more reasons'));
      expect(
        await screen.findByText(
          /^request-duration is 612, above the maximum of 500\. latency-p99: the canary/,
        ),
      ).toBeInTheDocument();

      fireEvent.click(await enabled(request, 'Approve…'));
      const dialog = await screen.findByRole('dialog', {
        name: 'Approve: Promote to next step',
      });
      expect(within(dialog).getByText(ALL_REASONS)).toBeInTheDocument();
      expect(
        within(dialog).getByText(
          'The analysis fails the canary; approving applies the change all the same.',
        ),
      ).toBeInTheDocument();
    });

    it('shows the rejecter the verdict too, without the approval warning', async () => {
      await renderCard({
        pending: [promotionRequest({ analysis: analysisView() })],
      });

      fireEvent.click(await enabled(await item('req-1'), 'Reject…'));
      const dialog = await screen.findByRole('dialog', {
        name: 'Reject: Promote to next step',
      });
      expect(within(dialog).getByText(ALL_REASONS)).toBeInTheDocument();
      expect(
        within(dialog).queryByText(/approving applies the change/),
      ).toBeNull();
    });

    it('shows a passing verdict without a warning', async () => {
      await renderCard({
        pending: [
          promotionRequest({
            analysis: analysisView({ verdict: 'pass', reasons: [] }),
          }),
        ],
      });

      const request = await item('req-1');
      const summary = within(request).getByText('Canary analysis: pass');
      expect(
        within(summary.parentElement!).getByTestId('status-ok'),
      ).toBeInTheDocument();
      fireEvent.click(await enabled(request, 'Approve…'));
      const dialog = await screen.findByRole('dialog');
      expect(within(dialog).getByText('Canary analysis: pass')).toBeVisible();
      expect(
        within(dialog).queryByText(/approving applies the change/),
      ).toBeNull();
    });

    it('shows a decided request with the analysis as it stood at the decision', async () => {
      await renderCard({
        decided: [
          promotionRequest({
            id: 'done',
            status: 'applied',
            decidedBy: 'user:default/alice',
            decidedAt: new Date().toISOString(),
            analysis: analysisView({
              verdict: 'marginal',
              reasons: ['p99 latency of the canary is significantly higher'],
            }),
          }),
        ],
      });

      fireEvent.click(
        await screen.findByRole('button', {
          name: 'Show recently decided (1)',
        }),
      );
      const done = await item('done');
      const summary = within(done).getByText(
        'Canary analysis at the decision: marginal — p99 latency of the canary is significantly higher',
      );
      expect(
        within(summary.parentElement!).getByTestId('status-warning'),
      ).toBeInTheDocument();
    });

    it('says nothing about an analysis the request does not carry', async () => {
      await renderCard({ pending: [promotionRequest()] });

      const request = await item('req-1');
      expect(within(request).queryByText(/Canary analysis/)).toBeNull();
      fireEvent.click(await enabled(request, 'Approve…'));
      const dialog = await screen.findByRole('dialog');
      expect(within(dialog).queryByText(/Canary analysis/)).toBeNull();
    });
  });
});
