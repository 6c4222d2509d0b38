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
import type { ApprovalPolicy } from '@istio-rollouts/plugin-istio-rollouts-common';
import { echoingCreateRequest, responseError } from '../../__testUtils__/api';
import {
  Providers,
  button,
  enabledButton,
  testEntity,
} from '../../__testUtils__/render';
import {
  route,
  targetedRoute,
  version,
  vsView,
} from '../../__testUtils__/views';
import {
  APPROVAL_POLICY,
  promotionRequest,
  routeActionResult,
} from '../../__testUtils__/writes';
import { PromotionRequestsContext } from '../PromotionRequests';
import { RouteActions } from './RouteActions';

const TARGET = {
  cluster: 'local',
  namespace: 'demo',
  virtualService: 'reviews',
  route: 'primary',
};

async function renderActions(options: {
  vs?: ReturnType<typeof vsView>;
  routeIndex?: number;
  applyRouteAction?: jest.Mock;
  createRequest?: jest.Mock;
  decide?: (name: string) => 'ALLOW' | 'DENY';
  annotations?: Record<string, string>;
  onChanged?: jest.Mock;
  /** Renders inside the tab's requests context with this policy. */
  policy?: ApprovalPolicy;
}) {
  const vs = options.vs ?? vsView([route([90, 10])]);
  const applyRouteAction =
    options.applyRouteAction ??
    jest.fn().mockResolvedValue(routeActionResult([75, 25]));
  const createRequest = options.createRequest ?? echoingCreateRequest();
  const onChanged = options.onChanged ?? jest.fn();
  const refresh = jest.fn();
  const actions = (
    <RouteActions
      cluster="local"
      vs={vs}
      route={vs.routes[options.routeIndex ?? 0]}
      onChanged={onChanged}
    />
  );
  await renderInTestApp(
    <Providers
      api={{ applyRouteAction, createRequest }}
      entity={testEntity(options.annotations)}
      decide={options.decide}
    >
      {options.policy ? (
        <PromotionRequestsContext.Provider
          value={{ policy: options.policy, loading: false, refresh }}
        >
          {actions}
        </PromotionRequestsContext.Provider>
      ) : (
        actions
      )}
    </Providers>,
  );
  return { applyRouteAction, createRequest, onChanged, refresh };
}

describe('RouteActions', () => {
  it('offers the canary actions, labelled with the next step', async () => {
    await renderActions({});

    expect(await enabledButton('Promote to 25%')).toBeInTheDocument();
    for (const name of [
      'Promote fully',
      'Set weights…',
      'Target users…',
      'Mirror…',
      'Roll back',
    ]) {
      expect(button(name)).toBeEnabled();
    }
    // Not a blue-green pair, no mirror to remove.
    expect(screen.queryByRole('button', { name: 'Flip' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Remove mirror' })).toBeNull();
  });

  it("uses the entity's canary steps", async () => {
    await renderActions({
      annotations: { 'istio-rollouts/canary-steps': '5,20,100' },
    });
    expect(await enabledButton('Promote to 20%')).toBeInTheDocument();
  });

  it('disables what the policy denies and says why', async () => {
    await renderActions({
      decide: name => (name === 'istio-rollouts.rollback' ? 'ALLOW' : 'DENY'),
    });

    // Rollback is its own permission: on-call may roll back without deploy rights.
    await enabledButton('Roll back');
    const promote = button('Promote to 25%');
    expect(promote).toBeDisabled();
    expect(button('Set weights…')).toBeDisabled();
    fireEvent.mouseOver(promote.parentElement!);
    expect(
      await screen.findByText(
        /Only owners of reviews-\d+ or the platform team may move traffic/,
      ),
    ).toBeInTheDocument();
  });

  it('promotes to the next step after confirmation and refreshes the view', async () => {
    const { applyRouteAction, onChanged } = await renderActions({});

    fireEvent.click(await enabledButton('Promote to 25%'));
    const dialog = await screen.findByRole('dialog');
    expect(
      within(dialog).getByText(/v2 will get 25% of this route's traffic/),
    ).toBeInTheDocument();
    fireEvent.click(
      within(dialog).getByRole('button', { name: 'Promote to 25%' }),
    );

    expect(
      await screen.findByText('✓ Applied: v1 75% · v2 25%'),
    ).toBeInTheDocument();
    expect(applyRouteAction).toHaveBeenCalledWith(
      expect.objectContaining({ kind: 'Component' }),
      {
        target: TARGET,
        operation: {
          type: 'promote-next',
          steps: [10, 25, 50, 100],
          stable: { host: 'reviews', subset: 'v1' },
        },
      },
    );
    expect(onChanged).toHaveBeenCalledTimes(1);
  });

  it('previews set-weights as a dry run with the exact patch, then applies', async () => {
    const applyRouteAction = jest
      .fn()
      .mockImplementation(async (_e, req) =>
        routeActionResult([50, 50], req.dryRun === true),
      );
    await renderActions({ applyRouteAction });

    fireEvent.click(await enabledButton('Set weights…'));
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText('Weight of v1 in percent'), {
      target: { value: '60' },
    });
    expect(
      within(dialog).getByText('Total: 70% — must be 100%'),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByRole('button', { name: 'Apply' }),
    ).toBeDisabled();
    fireEvent.change(within(dialog).getByLabelText('Weight of v2 in percent'), {
      target: { value: '40' },
    });
    expect(within(dialog).getByText('Total: 100%')).toBeInTheDocument();

    fireEvent.click(within(dialog).getByRole('button', { name: 'Preview' }));
    const patch = await within(dialog).findByTestId('json-patch');
    expect(JSON.parse(patch.textContent!)).toEqual(
      routeActionResult([50, 50]).patch,
    );
    expect(
      within(dialog).getByText('Result: v1 50% · v2 50%'),
    ).toBeInTheDocument();
    const weights = [
      { host: 'reviews', subset: 'v1', weight: 60 },
      { host: 'reviews', subset: 'v2', weight: 40 },
    ];
    expect(applyRouteAction).toHaveBeenLastCalledWith(expect.anything(), {
      target: TARGET,
      operation: { type: 'set-weights', weights },
      dryRun: true,
    });

    fireEvent.click(within(dialog).getByRole('button', { name: 'Apply' }));
    expect(
      await screen.findByText(/Applied: v1 50% · v2 50%/),
    ).toBeInTheDocument();
    expect(applyRouteAction).toHaveBeenLastCalledWith(expect.anything(), {
      target: TARGET,
      operation: { type: 'set-weights', weights },
    });
  });

  it('asks before rolling back, with an optional reason', async () => {
    const { applyRouteAction } = await renderActions({});

    fireEvent.click(await enabledButton('Roll back'));
    let dialog = await screen.findByRole('dialog');
    expect(
      within(dialog).getByText(/traffic will go back to v1/),
    ).toBeInTheDocument();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(applyRouteAction).not.toHaveBeenCalled();

    fireEvent.click(button('Roll back'));
    dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText('Reason (optional)'), {
      target: { value: 'errors in v2' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Roll back' }));
    await waitFor(() =>
      expect(applyRouteAction).toHaveBeenCalledWith(expect.anything(), {
        target: TARGET,
        operation: {
          type: 'rollback',
          stable: { host: 'reviews', subset: 'v1' },
        },
        reason: 'errors in v2',
      }),
    );
  });

  it('warns in the confirmation that GitOps may revert the change', async () => {
    await renderActions({
      vs: vsView([route([90, 10])], {
        trackedBy: [{ tool: 'argo-cd', source: 'bookinfo' }],
      }),
    });
    fireEvent.click(await enabledButton('Promote fully'));
    expect(
      await screen.findByText(
        /Argo CD \(bookinfo\) tracks this VirtualService: GitOps may revert/,
      ),
    ).toBeInTheDocument();
  });

  it('shows no actions for a VirtualService a controller manages', async () => {
    await renderActions({
      vs: vsView([route([90, 10])], {
        managedBy: {
          controller: 'flagger',
          namespace: 'demo',
          name: 'reviews',
          strategy: 'canary',
        },
      }),
    });
    expect(
      await screen.findByText('Managed by Flagger — change it there.'),
    ).toBeInTheDocument();
    expect(screen.queryAllByRole('button')).toHaveLength(0);
  });

  it('shows no actions, and says why, on a route the cluster does not bind to the entity', async () => {
    const why =
      'Destination other: the cluster does not bind Service demo/other to this entity';
    await renderActions({
      vs: vsView([route([90, 10], { readOnly: why })]),
    });
    expect(
      await screen.findByText(`Read-only here: ${why}`),
    ).toBeInTheDocument();
    expect(screen.queryAllByRole('button')).toHaveLength(0);
  });

  it('shows no actions for a delegated route', async () => {
    await renderActions({
      vs: vsView([route([], { delegate: { namespace: 'demo', name: 'x' } })]),
    });
    expect(screen.queryAllByRole('button')).toHaveLength(0);
  });

  it('says when someone else changed the route, and refreshes', async () => {
    const applyRouteAction = jest
      .fn()
      .mockRejectedValue(
        await responseError(
          409,
          'ConflictError',
          'VirtualService demo/reviews changed since it was read',
        ),
      );
    const mirrored = route([90, 10], {
      mirror: {
        versionKey: 'reviews/v2',
        host: 'reviews',
        subset: 'v2',
        percentage: 20,
      },
    });
    const { onChanged } = await renderActions({
      vs: vsView([mirrored]),
      applyRouteAction,
    });

    fireEvent.click(await enabledButton('Remove mirror'));

    expect(
      await screen.findByText(
        'Someone else changed this route; the view has been refreshed — review and try again',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText('VirtualService demo/reviews changed since it was read'),
    ).toBeInTheDocument();
    expect(applyRouteAction).toHaveBeenCalledWith(expect.anything(), {
      target: TARGET,
      operation: { type: 'remove-mirror' },
    });
    expect(onChanged).toHaveBeenCalledTimes(1);
  });

  it("shows the backend's message for other errors", async () => {
    const applyRouteAction = jest
      .fn()
      .mockRejectedValue(
        await responseError(
          403,
          'NotAllowedError',
          'You may not move traffic of component:default/reviews',
        ),
      );
    const { onChanged } = await renderActions({ applyRouteAction });
    fireEvent.click(await enabledButton('Promote fully'));
    fireEvent.click(
      within(await screen.findByRole('dialog')).getByRole('button', {
        name: 'Promote fully',
      }),
    );
    expect(
      await screen.findByText(
        'You may not move traffic of component:default/reviews',
      ),
    ).toBeInTheDocument();
    expect(onChanged).not.toHaveBeenCalled();
  });

  it('finishes a 0/100 route, scaling the idle version down only when the user may scale', async () => {
    const vs = vsView([route([0, 100], { strategy: 'blue-green' })]);
    const applyRouteAction = jest
      .fn()
      .mockResolvedValue(routeActionResult([100]));
    await renderActions({ vs, applyRouteAction });

    fireEvent.click(await enabledButton('Finish…'));
    const dialog = await screen.findByRole('dialog');
    expect(
      within(dialog).getByText(
        /v1 will be removed from this route \(v2 keeps all traffic\) and v1 will be scaled to 0 pods/,
      ),
    ).toBeInTheDocument();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Finish' }));

    await waitFor(() =>
      expect(applyRouteAction).toHaveBeenCalledWith(expect.anything(), {
        target: TARGET,
        operation: { type: 'finish', scaleDownOld: true },
      }),
    );
  });

  it('finishes without scaling when the user may not scale', async () => {
    const vs = vsView([route([0, 100], { strategy: 'blue-green' })]);
    const applyRouteAction = jest
      .fn()
      .mockResolvedValue(routeActionResult([100]));
    await renderActions({
      vs,
      applyRouteAction,
      annotations: { 'test/which': 'no-scale' },
      decide: name => (name === 'istio-rollouts.scale' ? 'DENY' : 'ALLOW'),
    });

    fireEvent.click(await enabledButton('Finish…'));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).queryByText(/scaled to 0/)).toBeNull();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Finish' }));

    await waitFor(() =>
      expect(applyRouteAction).toHaveBeenCalledWith(expect.anything(), {
        target: TARGET,
        operation: { type: 'finish', scaleDownOld: false },
      }),
    );
  });

  it('resends with allowUnready when the user overrides the readiness guard', async () => {
    const applyRouteAction = jest
      .fn()
      .mockRejectedValueOnce(
        await responseError(
          422,
          'InputError',
          'v2 (reviews-v2) has no ready pods; traffic would fail',
          { reason: 'version-unready' },
        ),
      )
      .mockResolvedValue(routeActionResult([0, 100]));
    const vs = vsView([route([100, 0], { strategy: 'blue-green' })], {
      versions: [version('v1'), version('v2', 0)],
    });
    const { onChanged } = await renderActions({ vs, applyRouteAction });

    fireEvent.click(await enabledButton('Flip'));
    const dialog = await screen.findByRole('dialog');
    expect(
      within(dialog).getByText(/traffic will move from v1 to v2/),
    ).toBeInTheDocument();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Flip' }));

    expect(
      await screen.findByText(
        'v2 (reviews-v2) has no ready pods; traffic would fail',
      ),
    ).toBeInTheDocument();
    // The confirmation hides the page from assistive tech until it has gone.
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    fireEvent.click(
      screen.getByLabelText('Send traffic even though it has no ready pods'),
    );
    const send = screen.getByRole('button', { name: 'Send anyway' });
    expect(send).toBeDisabled();
    fireEvent.change(screen.getByLabelText(/Reason for the override/), {
      target: { value: 'pods start on first request' },
    });
    fireEvent.click(send);

    expect(
      await screen.findByText(/Applied: v1 0% · v2 100%/),
    ).toBeInTheDocument();
    expect(applyRouteAction).toHaveBeenLastCalledWith(expect.anything(), {
      target: TARGET,
      operation: { type: 'flip' },
      allowUnready: { reason: 'pods start on first request' },
    });
    expect(onChanged).toHaveBeenCalledTimes(1);
  });

  it('targets users, and lists and removes targeted routes', async () => {
    const targeted = targetedRoute({
      name: 'istio-rollouts-target-end-user-jason',
    });
    const main = route([100], { index: 1, strategy: 'rolling' });
    const { applyRouteAction } = await renderActions({
      vs: vsView([targeted, main]),
      routeIndex: 1,
    });

    fireEvent.click(await enabledButton('Target users…'));
    let dialog = await screen.findByRole('dialog');
    expect(
      within(dialog).getByText('header end-user exact jason → v2'),
    ).toBeInTheDocument();
    fireEvent.change(within(dialog).getByLabelText('Header name'), {
      target: { value: 'X-Beta' },
    });
    fireEvent.change(within(dialog).getByLabelText('Value'), {
      target: { value: 'yes' },
    });
    fireEvent.click(
      within(dialog).getByRole('button', { name: 'Target users' }),
    );
    await waitFor(() =>
      expect(applyRouteAction).toHaveBeenLastCalledWith(expect.anything(), {
        target: TARGET,
        operation: {
          type: 'target-users',
          match: { kind: 'header', name: 'x-beta', value: 'yes' },
          to: { host: 'reviews', subset: 'v2' },
        },
      }),
    );

    fireEvent.click(await enabledButton('Target users…'));
    dialog = await screen.findByRole('dialog');
    fireEvent.click(
      within(dialog).getByRole('button', {
        name: 'Remove istio-rollouts-target-end-user-jason',
      }),
    );
    await waitFor(() =>
      expect(applyRouteAction).toHaveBeenLastCalledWith(expect.anything(), {
        target: TARGET,
        operation: {
          type: 'remove-targeting',
          routeName: 'istio-rollouts-target-end-user-jason',
        },
      }),
    );
  });

  it('removes a targeted route from its own section, through the route it belongs to', async () => {
    const targeted = route([100], {
      index: 0,
      name: 'istio-rollouts-target-beta',
      strategy: 'targeted',
    });
    const main = route([100], { index: 1, strategy: 'rolling' });
    const { applyRouteAction } = await renderActions({
      vs: vsView([targeted, main]),
      routeIndex: 0,
    });

    fireEvent.click(await enabledButton('Remove targeting'));
    expect(screen.queryByRole('button', { name: 'Mirror…' })).toBeNull();
    await waitFor(() =>
      expect(applyRouteAction).toHaveBeenCalledWith(expect.anything(), {
        target: TARGET,
        operation: {
          type: 'remove-targeting',
          routeName: 'istio-rollouts-target-beta',
        },
      }),
    );
  });

  it('mirrors a percentage of requests to a version', async () => {
    const { applyRouteAction } = await renderActions({
      vs: vsView([route([100], { strategy: 'rolling' })]),
    });
    fireEvent.click(await enabledButton('Mirror…'));
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText('Percentage of requests'), {
      target: { value: '20' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Mirror' }));
    await waitFor(() =>
      expect(applyRouteAction).toHaveBeenCalledWith(expect.anything(), {
        target: TARGET,
        operation: {
          type: 'set-mirror',
          to: { host: 'reviews', subset: 'v2' },
          percentage: 20,
        },
      }),
    );
  });

  it('starts a canary on a single-version route', async () => {
    const { applyRouteAction } = await renderActions({
      vs: vsView([route([100], { strategy: 'rolling' })]),
    });
    // Nothing to promote, split or roll back on a lone destination.
    expect(screen.queryByRole('button', { name: /Promote/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Set weights…' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Roll back' })).toBeNull();

    fireEvent.click(await enabledButton('Start canary…'));
    const dialog = await screen.findByRole('dialog');
    fireEvent.click(
      within(dialog).getByRole('button', { name: 'Start canary' }),
    );
    await waitFor(() =>
      expect(applyRouteAction).toHaveBeenCalledWith(expect.anything(), {
        target: TARGET,
        operation: {
          type: 'start-canary',
          canary: { host: 'reviews', subset: 'v2' },
          steps: [10, 25, 50, 100],
        },
      }),
    );
  });

  it('warns when GitOps reverted the change', async () => {
    const applyRouteAction = jest.fn().mockResolvedValue({
      ...routeActionResult([75, 25]),
      drift: { tool: 'argo-cd', reverted: true, observedWeights: [90, 10] },
    });
    await renderActions({ applyRouteAction });
    fireEvent.click(await enabledButton('Promote to 25%'));
    fireEvent.click(
      within(await screen.findByRole('dialog')).getByRole('button', {
        name: 'Promote to 25%',
      }),
    );
    expect(
      await screen.findByText(
        /Argo CD reverted this change \(weights are now 90 \/ 10\)/,
      ),
    ).toBeInTheDocument();
  });
  describe('promotion requests', () => {
    const onlyRequest = (name: string) =>
      name === 'istio-rollouts.promotion.request' ? 'ALLOW' : 'DENY';

    it('asks the owners instead of applying when only requesting is allowed', async () => {
      const { applyRouteAction, createRequest, onChanged } =
        await renderActions({ decide: onlyRequest });

      const request = await enabledButton('Request promotion to 25%');
      expect(button('Request full promotion')).toBeEnabled();
      expect(button('Request weights…')).toBeEnabled();
      // Everything else stays a direct action, under its own permission.
      expect(button('Roll back')).toBeDisabled();
      expect(button('Mirror…')).toBeDisabled();
      expect(
        screen.queryByRole('button', { name: 'Promote to 25%' }),
      ).toBeNull();

      fireEvent.click(request);
      const dialog = await screen.findByRole('dialog');
      expect(
        within(dialog).getByText('Request: Promote v2 to 25%'),
      ).toBeInTheDocument();
      expect(
        within(dialog).getByText(
          /traffic does not change until one of them approves/,
        ),
      ).toBeInTheDocument();
      const send = within(dialog).getByRole('button', { name: 'Send request' });
      expect(send).toBeDisabled();
      fireEvent.change(within(dialog).getByLabelText(/Reason/), {
        target: { value: 'error rate flat for an hour' },
      });
      fireEvent.click(send);

      expect(
        await screen.findByText(
          '✓ Request sent to the owners: v1 75% · v2 25% once approved',
        ),
      ).toBeInTheDocument();
      expect(createRequest).toHaveBeenCalledWith(
        expect.objectContaining({ kind: 'Component' }),
        {
          target: TARGET,
          change: {
            type: 'promote-next',
            steps: [10, 25, 50, 100],
            stable: { host: 'reviews', subset: 'v1' },
          },
          reason: 'error rate flat for an hour',
        },
      );
      expect(applyRouteAction).not.toHaveBeenCalled();
      // Nothing changed on the cluster yet.
      expect(onChanged).not.toHaveBeenCalled();
    });

    it('tells the requester when the canary analysis fails the canary they ask to promote', async () => {
      const message =
        'The canary analysis fails v2 (request-success-rate is 80, below the minimum of 99); the approvers will see it.';
      const createRequest = jest.fn().mockImplementation(async (_e, req) => ({
        ...promotionRequest({ target: req.target, change: req.change }),
        warnings: [
          { code: 'canary-analysis-fail', severity: 'warning', message },
        ],
      }));
      await renderActions({ decide: onlyRequest, createRequest });
      fireEvent.click(await enabledButton('Request promotion to 25%'));
      const dialog = await screen.findByRole('dialog');
      fireEvent.change(within(dialog).getByLabelText(/Reason/), {
        target: { value: 'ship it' },
      });
      fireEvent.click(
        within(dialog).getByRole('button', { name: 'Send request' }),
      );
      expect(await screen.findByText(`⚠ ${message}`)).toBeInTheDocument();
    });

    it('requests weights without a dry run, which needs the apply permission', async () => {
      const { applyRouteAction, createRequest } = await renderActions({
        decide: onlyRequest,
      });

      fireEvent.click(await enabledButton('Request weights…'));
      const dialog = await screen.findByRole('dialog');
      expect(within(dialog).getByText('Request weights')).toBeInTheDocument();
      expect(
        within(dialog).queryByRole('button', { name: 'Preview' }),
      ).toBeNull();
      fireEvent.change(
        within(dialog).getByLabelText('Weight of v1 in percent'),
        {
          target: { value: '50' },
        },
      );
      fireEvent.change(
        within(dialog).getByLabelText('Weight of v2 in percent'),
        {
          target: { value: '50' },
        },
      );
      const send = within(dialog).getByRole('button', { name: 'Send request' });
      expect(send).toBeDisabled();
      fireEvent.change(within(dialog).getByLabelText(/Reason/), {
        target: { value: 'halfway' },
      });
      fireEvent.click(send);

      await waitFor(() =>
        expect(createRequest).toHaveBeenCalledWith(expect.anything(), {
          target: TARGET,
          change: {
            type: 'set-weights',
            weights: [
              { host: 'reviews', subset: 'v1', weight: 50 },
              { host: 'reviews', subset: 'v2', weight: 50 },
            ],
          },
          reason: 'halfway',
        }),
      );
      expect(applyRouteAction).not.toHaveBeenCalled();
    });

    it('makes owners request too when the policy says so, and refreshes the list', async () => {
      const { applyRouteAction, createRequest, refresh } = await renderActions({
        policy: { ...APPROVAL_POLICY, ownersApplyDirectly: false },
      });

      fireEvent.click(await enabledButton('Request full promotion'));
      const dialog = await screen.findByRole('dialog');
      fireEvent.change(within(dialog).getByLabelText(/Reason/), {
        target: { value: 'all green' },
      });
      fireEvent.click(
        within(dialog).getByRole('button', { name: 'Send request' }),
      );

      await waitFor(() => expect(refresh).toHaveBeenCalledTimes(1));
      expect(createRequest.mock.calls[0][1].change).toEqual({
        type: 'promote-full',
        stable: { host: 'reviews', subset: 'v1' },
      });
      // Rolling back is never held for approval.
      await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
      fireEvent.click(button('Roll back'));
      fireEvent.click(
        within(await screen.findByRole('dialog')).getByRole('button', {
          name: 'Roll back',
        }),
      );
      await waitFor(() => expect(applyRouteAction).toHaveBeenCalledTimes(1));
      expect(applyRouteAction.mock.calls[0][1].operation.type).toBe('rollback');
    });

    it('applies directly as an owner when the policy lets owners apply', async () => {
      await renderActions({ policy: APPROVAL_POLICY });
      expect(await enabledButton('Promote to 25%')).toBeInTheDocument();
      expect(screen.queryByRole('button', { name: /^Request/ })).toBeNull();
    });

    it("shows the backend's refusal of a request", async () => {
      const createRequest = jest
        .fn()
        .mockRejectedValue(
          await responseError(
            403,
            'NotAllowedError',
            'You may not request promotions of component:default/reviews',
          ),
        );
      await renderActions({ decide: onlyRequest, createRequest });
      fireEvent.click(await enabledButton('Request full promotion'));
      const dialog = await screen.findByRole('dialog');
      fireEvent.change(within(dialog).getByLabelText(/Reason/), {
        target: { value: 'please' },
      });
      fireEvent.click(
        within(dialog).getByRole('button', { name: 'Send request' }),
      );
      expect(
        await screen.findByText(
          'You may not request promotions of component:default/reviews',
        ),
      ).toBeInTheDocument();
    });
  });
});
