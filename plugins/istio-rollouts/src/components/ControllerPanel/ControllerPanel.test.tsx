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
import type {
  ArgoRolloutStateView,
  ControllerActionResult,
  FlaggerCanaryStateView,
  ManagedByView,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { echoingCreateRequest, responseError } from '../../__testUtils__/api';
import {
  CATALOG_ROUTES,
  Providers,
  button,
  enabledButton,
  testEntity,
} from '../../__testUtils__/render';
import { route, vsView } from '../../__testUtils__/views';
import { APPROVAL_POLICY } from '../../__testUtils__/writes';
import { PromotionRequestsContext } from '../PromotionRequests';
import { VirtualServiceCard } from '../VirtualServiceCard';

const minutesAgo = (n: number) =>
  new Date(Date.now() - n * 60_000).toISOString();

// The state of Argo's getting-started Rollout (rollouts-demo, blue → yellow)
// paused at its first `pause: {}`, as the view reads it.
function argoState(
  overrides: Partial<ArgoRolloutStateView> = {},
): ArgoRolloutStateView {
  return {
    resourceVersion: '1812',
    strategy: 'canary',
    phase: 'Paused',
    message: 'CanaryPauseStep',
    completedSteps: 1,
    totalSteps: 5,
    steps: [
      {
        index: 0,
        kind: 'setWeight',
        weight: 20,
        text: 'set weight 20%',
        state: 'done',
      },
      {
        index: 1,
        kind: 'pause',
        text: 'pause until promoted',
        state: 'current',
      },
      {
        index: 2,
        kind: 'setWeight',
        weight: 40,
        text: 'set weight 40%',
        state: 'pending',
      },
      {
        index: 3,
        kind: 'pause',
        pauseDuration: '10m',
        text: 'pause 10m',
        state: 'pending',
      },
      {
        index: 4,
        kind: 'analysis',
        text: 'analysis success-rate',
        state: 'pending',
      },
    ],
    pausedByUser: false,
    pauseConditions: [{ reason: 'CanaryPauseStep', since: minutesAgo(5) }],
    aborted: false,
    promoteFull: false,
    fullyPromoted: false,
    trafficWeights: { canary: 20, stable: 80 },
    analysisRuns: [
      {
        name: 'rollouts-demo-6cf78c66c5-2-background',
        phase: 'Running',
        origin: 'background',
        startedAt: minutesAgo(4),
      },
    ],
    replicaSets: [
      {
        name: 'rollouts-demo-687d76d795',
        podTemplateHash: '687d76d795',
        role: 'stable',
        images: ['argoproj/rollouts-demo:blue'],
        desired: 4,
        ready: 4,
        available: 4,
      },
      {
        name: 'rollouts-demo-6cf78c66c5',
        podTemplateHash: '6cf78c66c5',
        role: 'canary',
        images: ['argoproj/rollouts-demo:yellow'],
        desired: 1,
        ready: 1,
        available: 0,
      },
    ],
    actions: [
      {
        action: 'promote',
        available: true,
        reason: 'Leaves the pause and goes on to step 3 (set weight 40%)',
        raisesCanaryShare: true,
      },
      {
        action: 'promote-full',
        available: true,
        reason: 'Skips the remaining steps and analyses',
        raisesCanaryShare: true,
      },
      {
        action: 'abort',
        available: true,
        reason: 'Sends all traffic back to stable',
        raisesCanaryShare: false,
      },
      {
        action: 'retry',
        available: false,
        reason: 'Only an aborted Rollout can be retried',
        raisesCanaryShare: true,
      },
      {
        action: 'pause',
        available: true,
        reason: 'Holds the Rollout where it is (spec.paused)',
        raisesCanaryShare: false,
      },
      {
        action: 'resume',
        available: false,
        reason: 'Not paused by a person: promote leaves a pause step',
        raisesCanaryShare: true,
      },
    ],
    ...overrides,
  };
}

function managed(state: {
  argo?: ArgoRolloutStateView;
  flagger?: FlaggerCanaryStateView;
}): ManagedByView {
  return state.argo
    ? {
        controller: 'argo-rollouts',
        namespace: 'demo',
        name: 'rollouts-demo',
        strategy: 'canary',
        phase: 'Paused',
        step: 'step 1 of 5',
        argo: state.argo,
      }
    : {
        controller: 'flagger',
        namespace: 'demo',
        name: 'podinfo',
        strategy: 'canary',
        phase: state.flagger?.phase,
        flagger: state.flagger,
      };
}

const ROLLOUT = {
  cluster: 'local',
  namespace: 'demo',
  kind: 'Rollout',
  name: 'rollouts-demo',
};
const CANARY = {
  cluster: 'local',
  namespace: 'demo',
  kind: 'Canary',
  name: 'podinfo',
};

const dryRun = (description: string): ControllerActionResult => ({
  dryRun: true,
  description,
  patches: [
    {
      subresource: 'status',
      patch: [
        { op: 'test', path: '/metadata/resourceVersion', value: '1812' },
        { op: 'replace', path: '/status/pauseConditions', value: null },
      ],
    },
  ],
  resourceVersionBefore: '1812',
});

async function renderCard(options: {
  managedBy: ManagedByView;
  controllerAction?: jest.Mock;
  createRequest?: jest.Mock;
  flaggerWebhooks?: jest.Mock;
  decide?: (name: string) => 'ALLOW' | 'DENY';
}) {
  const vs = vsView([route([80, 20])], { managedBy: options.managedBy });
  const controllerAction =
    options.controllerAction ??
    jest.fn().mockImplementation(async (_e, req) => ({
      ...dryRun('Promote Rollout demo/rollouts-demo to step 3 of 5'),
      dryRun: req.dryRun === true,
      resourceVersionAfter: req.dryRun ? undefined : '1813',
    }));
  const createRequest = options.createRequest ?? echoingCreateRequest();
  const flaggerWebhooks =
    options.flaggerWebhooks ??
    jest.fn().mockRejectedValue(new Error('not expected'));
  const onChanged = jest.fn();
  const refresh = jest.fn();
  await renderInTestApp(
    <Providers
      api={{ controllerAction, createRequest, flaggerWebhooks }}
      entity={testEntity()}
      decide={options.decide}
    >
      <PromotionRequestsContext.Provider
        value={{ policy: APPROVAL_POLICY, loading: false, refresh }}
      >
        <VirtualServiceCard vs={vs} cluster="local" onChanged={onChanged} />
      </PromotionRequestsContext.Provider>
    </Providers>,
    CATALOG_ROUTES,
  );
  return {
    controllerAction,
    createRequest,
    flaggerWebhooks,
    onChanged,
    refresh,
  };
}

// Each test renders the whole card (routes, versions, the panel) and waits
// for permission decisions; on a loaded two-core machine that takes seconds.
jest.setTimeout(30_000);

describe('ControllerPanel', () => {
  it("shows an Argo Rollout's steps, pause, analysis and ReplicaSets", async () => {
    await renderCard({ managedBy: managed({ argo: argoState() }) });

    const panel = await screen.findByTestId('argo-rollout-panel');
    expect(
      within(panel).getByText('Argo Rollout demo/rollouts-demo'),
    ).toBeInTheDocument();
    expect(within(panel).getByText('1/5')).toBeInTheDocument();
    expect(
      within(panel).getByText('canary 20% · stable 80%'),
    ).toBeInTheDocument();

    const steps = within(within(panel).getByRole('list', { name: 'Steps' }))
      .getAllByRole('listitem')
      .map(li => [li.getAttribute('data-state'), li.textContent]);
    expect(steps).toEqual([
      ['done', '✓ 1. set weight 20%'],
      ['current', '▶ 2. pause until promoted'],
      ['pending', '○ 3. set weight 40%'],
      ['pending', '○ 4. pause 10m'],
      ['pending', '○ 5. analysis success-rate'],
    ]);
    expect(within(panel).getByText(/Paused: CanaryPauseStep/).textContent).toBe(
      'Paused: CanaryPauseStep since 5 minutes ago',
    );

    const runs = within(panel).getByRole('list', { name: 'Analysis runs' });
    expect(
      within(runs).getByText('rollouts-demo-6cf78c66c5-2-background'),
    ).toBeInTheDocument();
    expect(within(runs).getByText('Running')).toBeInTheDocument();

    const cells = (hash: string) =>
      within(screen.getByTestId(`replicaset-${hash}`))
        .getAllByRole('cell')
        .map(c => c.textContent);
    expect(cells('687d76d795')).toEqual([
      'stable',
      '687d76d795',
      'argoproj/rollouts-demo:blue',
      '4',
      '4',
      '4',
    ]);
    expect(cells('6cf78c66c5')).toEqual([
      'canary',
      '6cf78c66c5',
      'argoproj/rollouts-demo:yellow',
      '1',
      '1',
      '0',
    ]);
    // The routes stay read-only; they point at the panel.
    expect(
      screen.getByText(
        'Managed by Argo Rollouts — act through the Rollout panel above.',
      ),
    ).toBeInTheDocument();
  });

  it('disables an action the controller state rules out, and says why', async () => {
    await renderCard({ managedBy: managed({ argo: argoState() }) });

    await enabledButton('Promote');
    const retry = button('Retry');
    expect(retry).toBeDisabled();
    expect(button('Resume')).toBeDisabled();
    expect(button('Abort')).toBeEnabled();
    fireEvent.mouseOver(retry.parentElement!);
    expect(
      await screen.findByText('Only an aborted Rollout can be retried'),
    ).toBeInTheDocument();
  });

  it('dry-runs an Argo action, shows what it will write, then applies it', async () => {
    const { controllerAction, onChanged } = await renderCard({
      managedBy: managed({ argo: argoState() }),
    });

    fireEvent.click(await enabledButton('Promote'));
    const dialog = await screen.findByRole('dialog');
    expect(
      within(dialog).getByText('Promote Rollout rollouts-demo one step'),
    ).toBeInTheDocument();
    expect(
      await within(dialog).findByText(
        'Promote Rollout demo/rollouts-demo to step 3 of 5',
      ),
    ).toBeInTheDocument();
    expect(controllerAction).toHaveBeenCalledTimes(1);
    expect(controllerAction).toHaveBeenLastCalledWith(
      expect.objectContaining({ kind: 'Component' }),
      {
        target: ROLLOUT,
        action: { type: 'argo', action: 'promote' },
        dryRun: true,
      },
    );

    fireEvent.click(
      within(dialog).getByRole('button', { name: 'Show the patches (1)' }),
    );
    expect(
      JSON.parse(within(dialog).getByTestId('controller-patches').textContent!),
    ).toEqual(dryRun('').patches);

    fireEvent.change(within(dialog).getByLabelText('Reason (optional)'), {
      target: { value: 'error rate flat' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Promote' }));

    expect(
      await screen.findByText(
        '✓ Promote Rollout demo/rollouts-demo to step 3 of 5',
      ),
    ).toBeInTheDocument();
    expect(controllerAction).toHaveBeenCalledTimes(2);
    expect(controllerAction).toHaveBeenLastCalledWith(
      expect.objectContaining({ kind: 'Component' }),
      {
        target: ROLLOUT,
        action: { type: 'argo', action: 'promote' },
        reason: 'error rate flat',
      },
    );
    expect(onChanged).toHaveBeenCalledTimes(1);
  });

  it('shows a refused dry run and offers nothing to confirm', async () => {
    const controllerAction = jest
      .fn()
      .mockRejectedValue(
        await responseError(
          409,
          'ConflictError',
          'Rollout demo/rollouts-demo is not paused at a step: nothing to promote',
        ),
      );
    await renderCard({
      managedBy: managed({ argo: argoState() }),
      controllerAction,
    });

    fireEvent.click(await enabledButton('Promote fully'));
    const dialog = await screen.findByRole('dialog');
    expect(
      await within(dialog).findByText(
        'Rollout demo/rollouts-demo is not paused at a step: nothing to promote',
      ),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByRole('button', { name: 'Promote fully' }),
    ).toBeDisabled();
    expect(controllerAction).toHaveBeenCalledTimes(1);
  });

  it('lets a user who may only request ask the owners for a promotion', async () => {
    const { controllerAction, createRequest, refresh } = await renderCard({
      managedBy: managed({ argo: argoState() }),
      decide: name =>
        name === 'istio-rollouts.promotion.apply' ? 'DENY' : 'ALLOW',
    });

    // Lowering risk stays direct (rollback permission): no request for it.
    await enabledButton('Abort');
    fireEvent.click(await enabledButton('Request promotion'));
    const dialog = await screen.findByRole('dialog');
    expect(
      within(dialog).getByText(
        'Request: Promote Rollout rollouts-demo one step',
      ),
    ).toBeInTheDocument();
    const send = within(dialog).getByRole('button', { name: 'Send request' });
    expect(send).toBeDisabled();
    fireEvent.change(within(dialog).getByLabelText(/Reason/), {
      target: { value: 'canary healthy for an hour' },
    });
    fireEvent.click(send);

    expect(
      await screen.findByText(
        '✓ Request sent to the owners: Promote Rollout rollouts-demo one step',
      ),
    ).toBeInTheDocument();
    // No dry run: it needs the apply permission this user lacks.
    expect(controllerAction).not.toHaveBeenCalled();
    expect(createRequest).toHaveBeenCalledWith(
      expect.objectContaining({ kind: 'Component' }),
      {
        target: {
          cluster: 'local',
          namespace: 'demo',
          virtualService: 'reviews',
          route: 'primary',
        },
        change: {
          type: 'controller-action',
          controller: ROLLOUT,
          action: { type: 'argo', action: 'promote' },
        },
        reason: 'canary healthy for an hour',
      },
    );
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  describe('Flagger', () => {
    const flagger = (): FlaggerCanaryStateView => ({
      resourceVersion: '905',
      phase: 'WaitingPromotion',
      canaryWeight: 50,
      iterations: 4,
      failedChecks: 1,
      threshold: 5,
      message: 'Waiting for approval',
      lastTransitionTime: minutesAgo(2),
      revision: '7d4b9c8f6',
      waitingAt: 'confirm-promotion',
      gates: [
        {
          gate: 'confirm-rollout',
          name: 'confirm-rollout',
          servedByPlugin: true,
          open: true,
          openedBy: 'user:default/alice',
          openedAt: minutesAgo(20),
          lastCalledAt: minutesAgo(19),
        },
        {
          gate: 'confirm-traffic-increase',
          name: 'traffic-gate',
          servedByPlugin: false,
          open: false,
        },
        {
          gate: 'confirm-promotion',
          name: 'confirm-promotion',
          servedByPlugin: true,
          open: false,
          lastCalledAt: minutesAgo(1),
        },
        {
          gate: 'rollback',
          name: 'rollback',
          servedByPlugin: true,
          open: false,
        },
      ],
    });

    it('shows the gate Flagger waits at and opens it through the backend', async () => {
      const controllerAction = jest
        .fn()
        .mockImplementation(async (_e, req) => ({
          dryRun: req.dryRun === true,
          description:
            'Open confirm-promotion of Canary demo/podinfo for revision 7d4b9c8f6',
          resourceVersionBefore: '905',
        }));
      const { onChanged } = await renderCard({
        managedBy: managed({ flagger: flagger() }),
        controllerAction,
      });

      const panel = await screen.findByTestId('flagger-canary-panel');
      expect(within(panel).getByText('50%')).toBeInTheDocument();
      expect(within(panel).getByText('1 / 5')).toBeInTheDocument();
      const waiting = within(panel).getByTestId('gate-confirm-promotion');
      expect(
        within(waiting).getByText('Flagger is waiting here'),
      ).toBeInTheDocument();
      expect(within(waiting).getByText('closed')).toBeInTheDocument();
      expect(
        within(
          within(panel).getByTestId('gate-confirm-traffic-increase'),
        ).getByText('answered elsewhere'),
      ).toBeInTheDocument();
      const opened = within(panel).getByTestId('gate-confirm-rollout');
      expect(within(opened).getByText('open')).toBeInTheDocument();
      expect(within(opened).getByText(/opened by/).textContent).toMatch(
        /^opened by alice 20 minutes ago · last called by Flagger 19 minutes ago$/,
      );
      // Only the gate Flagger waits at has a button.
      expect(within(opened).queryByRole('button')).toBeNull();
      expect(button('Roll back')).toBeInTheDocument();

      fireEvent.click(await enabledButton('Approve confirm-promotion'));
      const dialog = await screen.findByRole('dialog');
      await within(dialog).findByText(
        'Open confirm-promotion of Canary demo/podinfo for revision 7d4b9c8f6',
      );
      fireEvent.click(
        within(dialog).getByRole('button', {
          name: 'Approve confirm-promotion',
        }),
      );

      await screen.findByText(
        '✓ Open confirm-promotion of Canary demo/podinfo for revision 7d4b9c8f6',
      );
      expect(controllerAction.mock.calls.map(c => c[1])).toEqual([
        {
          target: CANARY,
          action: { type: 'flagger-open-gate', gate: 'confirm-promotion' },
          dryRun: true,
        },
        {
          target: CANARY,
          action: { type: 'flagger-open-gate', gate: 'confirm-promotion' },
        },
      ]);
      expect(onChanged).toHaveBeenCalledTimes(1);
    });

    it('offers neither rollback nor approval once Flagger is done', async () => {
      await renderCard({
        managedBy: managed({
          flagger: { ...flagger(), phase: 'Succeeded', waitingAt: undefined },
        }),
      });
      await screen.findByTestId('flagger-canary-panel');
      expect(screen.queryByRole('button', { name: 'Roll back' })).toBeNull();
      expect(screen.queryByRole('button', { name: /Approve/ })).toBeNull();
    });

    it('lets request-only users ask for the gate to be opened', async () => {
      const { createRequest } = await renderCard({
        managedBy: managed({ flagger: flagger() }),
        decide: name =>
          name === 'istio-rollouts.promotion.apply' ? 'DENY' : 'ALLOW',
      });
      fireEvent.click(await enabledButton('Request approval'));
      const dialog = await screen.findByRole('dialog');
      fireEvent.change(within(dialog).getByLabelText(/Reason/), {
        target: { value: 'load test passed' },
      });
      fireEvent.click(
        within(dialog).getByRole('button', { name: 'Send request' }),
      );
      await screen.findByText(
        '✓ Request sent to the owners: Open Flagger gate confirm-promotion for podinfo',
      );
      expect(createRequest.mock.calls[0][1].change).toEqual({
        type: 'controller-action',
        controller: CANARY,
        action: { type: 'flagger-open-gate', gate: 'confirm-promotion' },
      });
    });

    const webhookUrl = (gate: string) =>
      `https://backstage.example.com/api/istio-rollouts/flagger/local/${gate}?token=Zm9vYmFyLXRva2VuLWZvci1wb2RpbmZv`;

    it('shows owners a ready-to-paste webhooks snippet with the URLs, and copies it', async () => {
      const flaggerWebhooks = jest.fn().mockResolvedValue({
        webhooks: [
          'confirm-rollout',
          'confirm-traffic-increase',
          'confirm-promotion',
          'rollback',
        ].map(gate => ({ gate, url: webhookUrl(gate) })),
      });
      await renderCard({
        managedBy: managed({ flagger: flagger() }),
        flaggerWebhooks,
      });

      fireEvent.click(await enabledButton('Webhook URLs'));
      const dialog = await screen.findByRole('dialog');
      expect(
        within(dialog).getByText('Webhook URLs of Canary demo/podinfo'),
      ).toBeInTheDocument();
      const snippet = await within(dialog).findByTestId(
        'flagger-webhooks-yaml',
      );
      await waitFor(() =>
        expect(snippet.querySelector('code')?.textContent).toContain(
          'webhooks:',
        ),
      );
      const yaml = `webhooks:
  - name: backstage-confirm-rollout
    type: confirm-rollout
    url: ${webhookUrl('confirm-rollout')}
  - name: backstage-confirm-traffic-increase
    type: confirm-traffic-increase
    url: ${webhookUrl('confirm-traffic-increase')}
  - name: backstage-confirm-promotion
    type: confirm-promotion
    url: ${webhookUrl('confirm-promotion')}
  - name: backstage-rollback
    type: rollback
    url: ${webhookUrl('rollback')}
`;
      expect(snippet.querySelector('code')!.textContent).toBe(yaml);
      expect(flaggerWebhooks).toHaveBeenCalledTimes(1);
      expect(flaggerWebhooks).toHaveBeenCalledWith(
        expect.objectContaining({ kind: 'Component' }),
        { cluster: 'local', namespace: 'demo', name: 'podinfo' },
      );

      // The copy button copies the snippet as shown (copy-to-clipboard
      // selects it and runs the browser's copy command).
      let copied: string | undefined;
      const execCommand = document.execCommand;
      document.execCommand = jest.fn(() => {
        copied = document.getSelection()?.toString();
        return true;
      });
      try {
        fireEvent.click(
          within(dialog).getByRole('button', { name: 'Copy text' }),
        );
        await waitFor(() => expect(copied).toBe(yaml));
      } finally {
        document.execCommand = execCommand;
      }

      fireEvent.click(within(dialog).getByRole('button', { name: 'Close' }));
      await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    });

    it('shows the backend’s refusal in the dialog', async () => {
      const flaggerWebhooks = jest
        .fn()
        .mockRejectedValue(
          await responseError(
            503,
            'ServiceUnavailableError',
            'Flagger webhooks are not enabled: istioRollouts.flagger.webhookSecret is not configured',
          ),
        );
      await renderCard({
        managedBy: managed({ flagger: flagger() }),
        flaggerWebhooks,
      });

      fireEvent.click(await enabledButton('Webhook URLs'));
      const dialog = await screen.findByRole('dialog');
      expect(
        (
          await within(dialog).findAllByText(
            /istioRollouts\.flagger\.webhookSecret is not configured/,
          )
        ).length,
      ).toBeGreaterThan(0);
      expect(within(dialog).queryByTestId('flagger-webhooks-yaml')).toBeNull();
    });

    it('offers the URLs only to users who may apply', async () => {
      const { flaggerWebhooks } = await renderCard({
        managedBy: managed({ flagger: flagger() }),
        decide: name =>
          name === 'istio-rollouts.promotion.apply' ? 'DENY' : 'ALLOW',
      });
      // Permissions decided: the request button is there, no URLs.
      await enabledButton('Request approval');
      expect(screen.queryByRole('button', { name: 'Webhook URLs' })).toBeNull();
      expect(flaggerWebhooks).not.toHaveBeenCalled();
    });
  });
});
