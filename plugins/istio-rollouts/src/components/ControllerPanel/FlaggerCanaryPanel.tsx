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

import type {
  ControllerTarget,
  FlaggerCanaryStateView,
  FlaggerGateView,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import { Box, Button, Chip, Tooltip, Typography } from '@material-ui/core';
import { istioRolloutsApiRef } from '../../api/IstioRolloutsApi';
import { UserRef } from '../AuditParts';
import { describeControllerAction } from './controllerText';
import {
  ControllerButton,
  ControllerControls,
  Fact,
  PanelHeading,
  Since,
  useControllerStyles,
} from './ControllerParts';
import { FlaggerWebhooksDialog } from './FlaggerWebhooksDialog';

// Flagger calls the rollback webhook while it analyses or waits; outside
// these phases there is nothing to roll back.
const ROLLBACK_PHASES = ['Progressing', 'Waiting', 'WaitingPromotion'];

function gateStateLabel(gate: FlaggerGateView): string {
  if (gate.gate === 'rollback') {
    return gate.open ? 'rollback asked for' : 'no rollback asked';
  }
  return gate.open ? 'open' : 'closed';
}

const GateRow = ({
  target,
  gate,
  waiting,
  controls,
}: {
  target: ControllerTarget;
  gate: FlaggerGateView;
  /** Flagger waits at this gate now. */
  waiting: boolean;
  controls?: ControllerControls;
}) => {
  const classes = useControllerStyles();
  const opener = gate.gate === 'rollback' ? undefined : gate.gate;
  const asking = controls?.promotion.mode === 'request';
  return (
    <li data-testid={`gate-${gate.gate}`}>
      <Box
        display="flex"
        flexWrap="wrap"
        alignItems="center"
        style={{ gap: 8 }}
      >
        <Typography variant="body2" component="span" className={classes.mono}>
          {gate.gate}
        </Typography>
        {gate.name !== gate.gate && (
          <Typography variant="caption" color="textSecondary">
            (webhook “{gate.name}”)
          </Typography>
        )}
        {gate.servedByPlugin ? (
          <Chip
            size="small"
            color={gate.open ? 'primary' : 'default'}
            label={gateStateLabel(gate)}
          />
        ) : (
          <Typography variant="body2" component="span" color="textSecondary">
            answered elsewhere
          </Typography>
        )}
        {waiting && (
          <Typography variant="body2" component="span" color="primary">
            Flagger is waiting here
          </Typography>
        )}
      </Box>
      {gate.servedByPlugin &&
        (gate.openedBy || gate.openedAt || gate.lastCalledAt) && (
          <Typography variant="caption" color="textSecondary" component="div">
            {gate.openedBy && (
              <>
                {gate.gate === 'rollback' ? 'asked by ' : 'opened by '}
                <UserRef entityRef={gate.openedBy} />
              </>
            )}
            {gate.openedAt && <Since iso={gate.openedAt} prefix=" " />}
            {gate.lastCalledAt && (
              <Since
                iso={gate.lastCalledAt}
                prefix={`${
                  gate.openedBy || gate.openedAt ? ' · ' : ''
                }last called by Flagger `}
              />
            )}
          </Typography>
        )}
      {controls && opener && waiting && gate.servedByPlugin && !gate.open && (
        <Box mt={0.5} mb={1}>
          <ControllerButton
            access={controls.promotion.access}
            hint={`Let Flagger go past ${opener} for the current revision`}
            busy={controls.busy}
            onClick={() => {
              const action = {
                type: 'flagger-open-gate' as const,
                gate: opener,
              };
              controls.open({
                action,
                title: describeControllerAction(target, action),
                confirmLabel: `Approve ${opener}`,
                mode: controls.promotion.mode,
                summary: `Flagger waits at ${opener}; once approved it goes on with the release.`,
              });
            }}
          >
            {asking ? 'Request approval' : `Approve ${opener}`}
          </ControllerButton>
        </Box>
      )}
    </li>
  );
};

/**
 * A Flagger Canary's own state (phase, weight, checks) and its webhook
 * gates: the ones the plugin serves can be opened here while Flagger waits
 * at them; the others are answered elsewhere.
 */
export const FlaggerCanaryPanel = ({
  target,
  state,
  controls,
}: {
  target: ControllerTarget;
  state: FlaggerCanaryStateView;
  /** Absent: read-only (the VirtualService is not bound to the entity). */
  controls?: ControllerControls;
}) => {
  const classes = useControllerStyles();
  const rollbackGate = state.gates.find(
    g => g.gate === 'rollback' && g.servedByPlugin,
  );
  const canRollBack =
    !!rollbackGate && ROLLBACK_PHASES.includes(state.phase ?? '');
  const waitingGate = state.waitingAt
    ? state.gates.find(g => g.gate === state.waitingAt)
    : undefined;
  // The webhook URLs carry the Canary's token: for those who may apply.
  const api = useApi(istioRolloutsApiRef);
  const showWebhooks = !!controls?.apply.allowed && !!api.flaggerWebhooks;
  const [webhooksOpen, setWebhooksOpen] = useState(false);
  return (
    <Box className={classes.root} data-testid="flagger-canary-panel">
      <div className={classes.header}>
        <Typography variant="subtitle1">
          Flagger Canary {target.namespace}/{target.name}
        </Typography>
        {state.phase && (
          <Chip size="small" color="primary" label={state.phase} />
        )}
      </div>
      {state.message && (
        <Typography variant="body2" paragraph>
          {state.message}
        </Typography>
      )}
      <div className={classes.facts}>
        <Fact label="Canary weight">
          {state.canaryWeight === undefined
            ? undefined
            : `${state.canaryWeight}%`}
        </Fact>
        <Fact label="Iterations">{state.iterations}</Fact>
        <Fact label="Failed checks">
          {state.failedChecks === undefined
            ? undefined
            : `${state.failedChecks}${
                state.threshold === undefined ? '' : ` / ${state.threshold}`
              }`}
        </Fact>
        <Fact label="Last transition">
          {state.lastTransitionTime ? (
            <Since iso={state.lastTransitionTime} />
          ) : undefined}
        </Fact>
      </div>
      {state.waitingAt && !waitingGate?.servedByPlugin && (
        <Typography variant="body2">
          Flagger waits at {state.waitingAt}
          {waitingGate ? ', which is answered elsewhere' : ''}.
        </Typography>
      )}
      <PanelHeading>Gates</PanelHeading>
      {state.gates.length === 0 ? (
        <Typography variant="body2" color="textSecondary">
          This Canary has no webhook gates: Flagger goes on by itself.
        </Typography>
      ) : (
        <ul className={classes.list} aria-label="Gates">
          {state.gates.map(gate => (
            <GateRow
              key={`${gate.gate}-${gate.name}`}
              target={target}
              gate={gate}
              waiting={state.waitingAt === gate.gate}
              controls={controls}
            />
          ))}
        </ul>
      )}
      {controls && (canRollBack || showWebhooks) && (
        <div className={classes.buttons}>
          {canRollBack && (
            <ControllerButton
              access={controls.rollback}
              unavailable={
                rollbackGate?.open
                  ? 'A rollback was already asked for this revision'
                  : undefined
              }
              hint="Flagger rolls the canary back at its next check"
              busy={controls.busy}
              color="secondary"
              onClick={() => {
                const action = { type: 'flagger-rollback' as const };
                controls.open({
                  action,
                  title: describeControllerAction(target, action),
                  confirmLabel: 'Roll back',
                  mode: 'apply',
                });
              }}
            >
              Roll back
            </ControllerButton>
          )}
          {showWebhooks && (
            <Tooltip title="The URLs Flagger calls for the gates the plugin serves, to paste into the Canary's spec">
              <Button
                size="small"
                variant="outlined"
                onClick={() => setWebhooksOpen(true)}
              >
                Webhook URLs
              </Button>
            </Tooltip>
          )}
        </div>
      )}
      {webhooksOpen && (
        <FlaggerWebhooksDialog
          target={target}
          onClose={() => setWebhooksOpen(false)}
        />
      )}
    </Box>
  );
};
