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
import type { VirtualServiceView } from '@istio-rollouts/plugin-istio-rollouts-common';
import { echoingCreateRequest } from '../../__testUtils__/api';
import {
  Providers,
  enabledButton,
  testEntity,
} from '../../__testUtils__/render';
import {
  httpRouteRule,
  httpRouteView,
  serviceVersion,
} from '../../__testUtils__/views';
import { httpRouteActionResult } from '../../__testUtils__/writes';
import { RouteActions } from './RouteActions';

// The actions on a rule of a Gateway API HTTPRoute: every request names
// the kind, so the backend writes the HTTPRoute and not a VirtualService
// of the same name; versions are Services.

const TARGET = {
  cluster: 'local',
  namespace: 'demo',
  virtualService: 'inventory',
  route: 0,
  kind: 'HTTPRoute',
};

async function renderActions(options: {
  vs?: VirtualServiceView;
  decide?: (name: string) => 'ALLOW' | 'DENY';
  applyRouteAction?: jest.Mock;
}) {
  const vs = options.vs ?? httpRouteView([httpRouteRule([90, 10])]);
  const applyRouteAction =
    options.applyRouteAction ??
    jest
      .fn()
      .mockImplementation(async (_e, req) =>
        httpRouteActionResult([75, 25], req.dryRun === true),
      );
  const createRequest = echoingCreateRequest();
  await renderInTestApp(
    <Providers
      api={{ applyRouteAction, createRequest }}
      entity={testEntity({ 'istio-rollouts/virtual-services': 'inventory' })}
      decide={options.decide}
    >
      <RouteActions cluster="local" vs={vs} route={vs.routes[0]} />
    </Providers>,
  );
  return { applyRouteAction, createRequest };
}

/** The options of a dialog's select, opened as a user would. */
async function optionsOf(dialog: HTMLElement, label: string) {
  fireEvent.mouseDown(within(dialog).getByLabelText(label));
  const listbox = await screen.findByRole('listbox');
  return within(listbox)
    .getAllByRole('option')
    .map(o => o.textContent);
}

describe('RouteActions on an HTTPRoute rule', () => {
  it('promotes to the next step, naming the rule and the kind', async () => {
    const { applyRouteAction } = await renderActions({});

    fireEvent.click(await enabledButton('Promote to 25%'));
    const dialog = await screen.findByRole('dialog');
    expect(
      within(dialog).getByText(
        "inventory-v2 will get 25% of this rule's traffic (now 10%); inventory-v1 keeps 75%.",
      ),
    ).toBeInTheDocument();
    fireEvent.click(
      within(dialog).getByRole('button', { name: 'Promote to 25%' }),
    );

    expect(
      await screen.findByText('✓ Applied: inventory-v1 75% · inventory-v2 25%'),
    ).toBeInTheDocument();
    expect(applyRouteAction).toHaveBeenCalledTimes(1);
    expect(applyRouteAction.mock.calls[0][1]).toStrictEqual({
      target: TARGET,
      operation: {
        type: 'promote-next',
        steps: [10, 25, 50, 100],
        stable: { host: 'inventory-v1', port: 8080 },
      },
    });
  });

  it('sends the kind with a dry run and with the change it previews', async () => {
    const { applyRouteAction } = await renderActions({});

    fireEvent.click(await enabledButton('Set weights…'));
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(
      within(dialog).getByLabelText('Weight of inventory-v1 in percent'),
      { target: { value: '75' } },
    );
    fireEvent.change(
      within(dialog).getByLabelText('Weight of inventory-v2 in percent'),
      { target: { value: '25' } },
    );
    fireEvent.click(within(dialog).getByRole('button', { name: 'Preview' }));
    await within(dialog).findByTestId('json-patch');
    const weights = [
      { host: 'inventory-v1', port: 8080, weight: 75 },
      { host: 'inventory-v2', port: 8080, weight: 25 },
    ];
    expect(applyRouteAction.mock.calls[0][1]).toStrictEqual({
      target: TARGET,
      operation: { type: 'set-weights', weights },
      dryRun: true,
    });

    fireEvent.click(within(dialog).getByRole('button', { name: 'Apply' }));
    await screen.findByText(/Applied: inventory-v1 75% · inventory-v2 25%/);
    expect(applyRouteAction.mock.calls[1][1]).toStrictEqual({
      target: TARGET,
      operation: { type: 'set-weights', weights },
    });
  });

  it('asks the owners with the kind in the request when only requesting is allowed', async () => {
    const { applyRouteAction, createRequest } = await renderActions({
      decide: name =>
        name === 'istio-rollouts.promotion.request' ? 'ALLOW' : 'DENY',
    });

    fireEvent.click(await enabledButton('Request promotion to 25%'));
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText(/Reason/), {
      target: { value: 'stock counts match' },
    });
    fireEvent.click(
      within(dialog).getByRole('button', { name: 'Send request' }),
    );

    await screen.findByText(/Request sent to the owners/);
    expect(createRequest.mock.calls[0][1]).toStrictEqual({
      target: TARGET,
      change: {
        type: 'promote-next',
        steps: [10, 25, 50, 100],
        stable: { host: 'inventory-v1', port: 8080 },
      },
      reason: 'stock counts match',
    });
    expect(applyRouteAction).not.toHaveBeenCalled();
  });

  describe('offers Services, never backends of other kinds', () => {
    // A rule on inventory-v1 alone; the HTTPRoute also names inventory-v2 and
    // an InferencePool elsewhere, so all three are versions of the view.
    const single = () =>
      httpRouteView(
        [
          httpRouteRule([100], {
            strategy: 'rolling',
            explanation: 'Rolling update of inventory-v1',
          }),
        ],
        {
          versions: [
            serviceVersion('inventory-v1'),
            serviceVersion('inventory-v2'),
            {
              key: 'inferencepool:llm',
              label: 'InferencePool llm',
              host: 'InferencePool:llm',
              fqdn: 'InferencePool:llm.demo.svc.cluster.local',
              labels: {},
              workloads: [],
              ready: 0,
              desired: 0,
            },
          ],
        },
      );

    it('starts a canary on a Service', async () => {
      const { applyRouteAction } = await renderActions({ vs: single() });

      fireEvent.click(await enabledButton('Start canary…'));
      const dialog = await screen.findByRole('dialog');
      expect(
        within(dialog).getByText(
          "Sends 10% of this rule's traffic to the chosen version; the rest stays where it is.",
        ),
      ).toBeInTheDocument();
      expect(await optionsOf(dialog, 'Canary Service')).toEqual([
        'inventory-v2',
      ]);
      fireEvent.click(screen.getByRole('option', { name: 'inventory-v2' }));
      fireEvent.click(
        within(dialog).getByRole('button', { name: 'Start canary' }),
      );
      await waitFor(() => expect(applyRouteAction).toHaveBeenCalledTimes(1));
      expect(applyRouteAction.mock.calls[0][1]).toStrictEqual({
        target: TARGET,
        operation: {
          type: 'start-canary',
          canary: { host: 'inventory-v2' },
          steps: [10, 25, 50, 100],
        },
      });
    });

    it('mirrors to a Service', async () => {
      const { applyRouteAction } = await renderActions({ vs: single() });

      fireEvent.click(await enabledButton('Mirror…'));
      const dialog = await screen.findByRole('dialog');
      expect(await optionsOf(dialog, 'Mirror to')).toEqual([
        'inventory-v1',
        'inventory-v2',
      ]);
      fireEvent.click(screen.getByRole('option', { name: 'inventory-v2' }));
      fireEvent.click(within(dialog).getByRole('button', { name: 'Mirror' }));
      await waitFor(() => expect(applyRouteAction).toHaveBeenCalledTimes(1));
      expect(applyRouteAction.mock.calls[0][1]).toStrictEqual({
        target: TARGET,
        operation: {
          type: 'set-mirror',
          to: { host: 'inventory-v2' },
          percentage: 10,
        },
      });
    });

    it('targets users to a Service, through a rule', async () => {
      const { applyRouteAction } = await renderActions({ vs: single() });

      fireEvent.click(await enabledButton('Target users…'));
      const dialog = await screen.findByRole('dialog');
      expect(within(dialog).getByText('Targeted rules')).toBeInTheDocument();
      expect(await optionsOf(dialog, 'Send them to')).toEqual([
        'inventory-v1',
        'inventory-v2',
      ]);
      fireEvent.click(screen.getByRole('option', { name: 'inventory-v2' }));
      fireEvent.change(within(dialog).getByLabelText('Header name'), {
        target: { value: 'X-Beta' },
      });
      fireEvent.change(within(dialog).getByLabelText('Value'), {
        target: { value: 'yes' },
      });
      fireEvent.click(
        within(dialog).getByRole('button', { name: 'Target users' }),
      );
      await waitFor(() => expect(applyRouteAction).toHaveBeenCalledTimes(1));
      expect(applyRouteAction.mock.calls[0][1]).toStrictEqual({
        target: TARGET,
        operation: {
          type: 'target-users',
          match: { kind: 'header', name: 'x-beta', value: 'yes' },
          to: { host: 'inventory-v2' },
        },
      });
    });
  });

  it('says in the confirmation that GitOps tracks this HTTPRoute', async () => {
    await renderActions({
      vs: httpRouteView([httpRouteRule([90, 10])], {
        trackedBy: [{ tool: 'flux', source: 'inventory' }],
      }),
    });
    fireEvent.click(await enabledButton('Roll back'));
    const dialog = await screen.findByRole('dialog');
    expect(
      within(dialog).getByText(/Flux \(inventory\) tracks this HTTPRoute:/),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByText(
        /All of this rule's traffic will go back to inventory-v1, and the targeted rules/,
      ),
    ).toBeInTheDocument();
  });
});
