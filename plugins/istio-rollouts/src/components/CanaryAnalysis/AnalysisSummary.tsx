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

import { Box, Tooltip, Typography } from '@material-ui/core';
import type { CanaryAnalysisView } from '@istio-rollouts/plugin-istio-rollouts-common';
import { formatRelative, formatTime } from '../AuditParts';
import {
  VerdictStatus,
  analysisSummary,
  formatWindow,
  joinReasons,
} from '../MetricsParts';

/**
 * The verdict of a canary analysis and its reasons, with when it was
 * evaluated: what an approver reads before deciding on a request. With
 * `limit`, the first reasons only; the others on hover.
 */
export const AnalysisSummary = ({
  analysis,
  prefix,
  limit,
}: {
  analysis: CanaryAnalysisView;
  /** e.g. `Canary analysis at the decision`. */
  prefix?: string;
  limit?: number;
}) => {
  const hidden =
    limit === undefined ? [] : analysis.reasons.slice(Math.max(limit, 0));
  return (
    <Box>
      <VerdictStatus outcome={analysis.verdict}>
        {analysisSummary(analysis, { prefix, limit })}
      </VerdictStatus>
      <Typography variant="caption" color="textSecondary" component="div">
        {formatWindow(analysis.window)}, evaluated{' '}
        <Tooltip title={formatTime(analysis.evaluatedAt)}>
          <span>{formatRelative(analysis.evaluatedAt)}</span>
        </Tooltip>
        {analysis.autoRollback ? ' · auto-rollback on' : ''}
        {hidden.length > 0 && (
          <>
            {' · '}
            <Tooltip title={joinReasons(hidden)}>
              <span>
                {hidden.length} more reason{hidden.length === 1 ? '' : 's'}
              </span>
            </Tooltip>
          </>
        )}
      </Typography>
    </Box>
  );
};
