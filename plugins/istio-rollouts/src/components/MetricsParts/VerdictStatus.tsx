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

import type { ReactNode } from 'react';
import {
  StatusAborted,
  StatusError,
  StatusOK,
  StatusWarning,
} from '@backstage/core-components';
import type { AnalysisVerdict } from '@istio-rollouts/plugin-istio-rollouts-common';
import { Typography } from '@material-ui/core';

const VERDICT_LABELS: Record<AnalysisVerdict, string> = {
  pass: 'pass',
  marginal: 'marginal',
  fail: 'fail',
  'no-data': 'no data',
};

/** `pass`, `marginal`, `fail`, `no data`. */
export function verdictLabel(verdict: AnalysisVerdict): string {
  return VERDICT_LABELS[verdict] ?? verdict;
}

/** An outcome of a check or comparison, as a verdict reads. */
export type Outcome = AnalysisVerdict | 'high' | 'low';

const ICONS = {
  pass: StatusOK,
  marginal: StatusWarning,
  fail: StatusError,
  high: StatusError,
  low: StatusError,
  'no-data': StatusAborted,
};

/**
 * A Backstage status icon for a verdict or outcome, followed by its text.
 * The icon stays decorative (the status components hide themselves from
 * screen readers); the text beside it is what is read.
 */
export const VerdictStatus = ({
  outcome,
  variant = 'body2',
  children,
}: {
  outcome: Outcome;
  variant?: 'body1' | 'body2' | 'subtitle1' | 'subtitle2';
  children: ReactNode;
}) => {
  const Icon = ICONS[outcome] ?? StatusAborted;
  return (
    <Typography
      component="span"
      variant={variant}
      style={{ display: 'inline-flex', alignItems: 'baseline' }}
    >
      <Icon />
      <span>{children}</span>
    </Typography>
  );
};
