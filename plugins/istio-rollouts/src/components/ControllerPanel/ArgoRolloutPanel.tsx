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

import {
  ARGO_ROLLOUT_ACTIONS,
  type ArgoRolloutAction,
  type ArgoRolloutStateView,
  type ArgoRolloutStepView,
  type ControllerTarget,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import {
  Box,
  Chip,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import { ARGO_ACTION_LABELS, describeControllerAction } from './controllerText';
import {
  ControllerButton,
  ControllerControls,
  Fact,
  PanelHeading,
  Since,
  useControllerStyles,
} from './ControllerParts';

// The actions that move traffic towards the new version, should the view
// not say (it does, in `raisesCanaryShare`).
const RAISING = new Set<ArgoRolloutAction>([
  'promote',
  'promote-full',
  'retry',
  'resume',
]);

const STEP_MARKS: Record<ArgoRolloutStepView['state'], string> = {
  done: '✓',
  current: '▶',
  pending: '○',
};

const Steps = ({ steps }: { steps: ArgoRolloutStepView[] }) => {
  const classes = useControllerStyles();
  return (
    <ol className={classes.list} aria-label="Steps">
      {steps.map(step => (
        <li
          key={step.index}
          className={classes[step.state]}
          data-state={step.state}
          aria-current={step.state === 'current' ? 'step' : undefined}
        >
          <Typography
            variant="body2"
            component="span"
            className={classes[step.state]}
          >
            {STEP_MARKS[step.state]} {step.index + 1}. {step.text}
          </Typography>
        </li>
      ))}
    </ol>
  );
};

const ReplicaSets = ({ state }: { state: ArgoRolloutStateView }) => {
  const classes = useControllerStyles();
  return (
    <Table size="small" aria-label="ReplicaSets">
      <TableHead>
        <TableRow>
          <TableCell>Role</TableCell>
          <TableCell>Hash</TableCell>
          <TableCell>Images</TableCell>
          <TableCell align="right">Ready</TableCell>
          <TableCell align="right">Desired</TableCell>
          <TableCell align="right">Available</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {state.replicaSets.map(rs => (
          <TableRow
            key={rs.name}
            data-testid={`replicaset-${rs.podTemplateHash}`}
          >
            <TableCell>{rs.role}</TableCell>
            <TableCell className={classes.mono} title={rs.name}>
              {rs.podTemplateHash}
            </TableCell>
            <TableCell className={classes.mono}>
              {rs.images.join(', ') || '—'}
            </TableCell>
            <TableCell align="right">{rs.ready}</TableCell>
            <TableCell align="right">{rs.desired}</TableCell>
            <TableCell align="right">{rs.available}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
};

/**
 * An Argo Rollout's own state (phase, steps, pauses, analyses,
 * ReplicaSets) and its six actions, each offered when the controller's
 * state makes it meaningful.
 */
export const ArgoRolloutPanel = ({
  target,
  state,
  controls,
}: {
  target: ControllerTarget;
  state: ArgoRolloutStateView;
  /** Absent: read-only (the VirtualService is not bound to the entity). */
  controls?: ControllerControls;
}) => {
  const classes = useControllerStyles();
  const stepText =
    state.totalSteps > 0
      ? `${state.completedSteps ?? 0}/${state.totalSteps}`
      : undefined;
  return (
    <Box className={classes.root} data-testid="argo-rollout-panel">
      <div className={classes.header}>
        <Typography variant="subtitle1">
          Argo Rollout {target.namespace}/{target.name}
        </Typography>
        <Chip
          size="small"
          label={state.strategy === 'blueGreen' ? 'Blue-green' : 'Canary'}
        />
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
        <Fact label="Step">{stepText}</Fact>
        <Fact label="Weights">
          {state.trafficWeights
            ? `canary ${state.trafficWeights.canary}% · stable ${state.trafficWeights.stable}%`
            : undefined}
        </Fact>
        {state.promoteFull && !state.fullyPromoted && (
          <Typography variant="body2" component="span">
            Full promotion asked for
          </Typography>
        )}
        {state.fullyPromoted && (
          <Typography variant="body2" component="span">
            Fully promoted
          </Typography>
        )}
      </div>
      {state.aborted && (
        <Typography variant="body2" color="error" role="status">
          Aborted{state.abortMessage ? `: ${state.abortMessage}` : ''}
        </Typography>
      )}
      {state.pausedByUser && (
        <Typography variant="body2">
          Paused by a person (spec.paused): it stays paused until resumed.
        </Typography>
      )}
      {state.pauseConditions.map(p => (
        <Typography variant="body2" key={`${p.reason}-${p.since ?? ''}`}>
          Paused: {p.reason}
          {p.since && <Since iso={p.since} prefix=" since " />}
        </Typography>
      ))}
      {state.steps.length > 0 && (
        <>
          <PanelHeading>Steps</PanelHeading>
          <Steps steps={state.steps} />
        </>
      )}
      {state.analysisRuns.length > 0 && (
        <>
          <PanelHeading>Analysis runs</PanelHeading>
          <ul className={classes.list} aria-label="Analysis runs">
            {state.analysisRuns.map(run => (
              <li key={run.name}>
                <Typography
                  variant="body2"
                  component="span"
                  className={classes.mono}
                >
                  {run.name}
                </Typography>{' '}
                <Chip size="small" label={run.phase ?? 'Unknown'} />{' '}
                <Typography variant="caption" color="textSecondary">
                  {run.origin === 'other' ? '' : `${run.origin} analysis`}
                  {run.startedAt && (
                    <Since iso={run.startedAt} prefix=" · started " />
                  )}
                </Typography>
                {run.message && (
                  <Typography variant="body2" color="textSecondary">
                    {run.message}
                  </Typography>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
      {state.replicaSets.length > 0 && (
        <>
          <PanelHeading>ReplicaSets</PanelHeading>
          <ReplicaSets state={state} />
        </>
      )}
      {controls && (
        <div className={classes.buttons}>
          {ARGO_ROLLOUT_ACTIONS.map(action => {
            const availability = state.actions.find(a => a.action === action);
            const raises =
              availability?.raisesCanaryShare ?? RAISING.has(action);
            const mode = raises ? controls.promotion.mode : 'apply';
            const access = raises
              ? controls.promotion.access
              : controls.rollback;
            const label = ARGO_ACTION_LABELS[action][mode];
            let unavailable: string | undefined;
            if (!availability)
              unavailable =
                'The backend did not say whether this makes sense now';
            else if (!availability.available) unavailable = availability.reason;
            return (
              <ControllerButton
                key={action}
                access={access}
                unavailable={unavailable}
                hint={availability?.reason}
                busy={controls.busy}
                color={action === 'abort' ? 'secondary' : 'primary'}
                onClick={() =>
                  controls.open({
                    action: { type: 'argo', action },
                    title: describeControllerAction(target, {
                      type: 'argo',
                      action,
                    }),
                    confirmLabel: ARGO_ACTION_LABELS[action].apply,
                    mode,
                    summary: availability?.reason,
                  })
                }
              >
                {label}
              </ControllerButton>
            );
          })}
        </div>
      )}
    </Box>
  );
};
