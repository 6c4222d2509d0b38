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
  isTrafficChangeOutcome,
  type AuditRecord,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { Box, Tooltip, Typography, makeStyles } from '@material-ui/core';
import {
  ActorRef,
  StatusChip,
  UserRef,
  VersionsLookup,
  describeRecordWeights,
  describeTarget,
  formatRelative,
  formatTime,
  recordActionLabel,
} from '../AuditParts';

const useStyles = makeStyles(theme => ({
  list: { listStyle: 'none', margin: 0, padding: 0 },
  item: {
    position: 'relative',
    padding: theme.spacing(1, 0, 1, 3),
    borderLeft: `2px solid ${theme.palette.divider}`,
    marginLeft: theme.spacing(0.75),
  },
  dot: {
    position: 'absolute',
    left: -7,
    top: theme.spacing(1.5),
    width: 12,
    height: 12,
    borderRadius: '50%',
    background: theme.palette.background.paper,
    border: `2px solid ${theme.palette.text.secondary}`,
  },
  header: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(1),
  },
  time: { marginLeft: 'auto' },
  weights: { fontFamily: 'monospace' },
}));

/** The entity's audit records, newest first, one entry each. */
export const HistoryTimeline = ({
  records,
  versions,
}: {
  records: AuditRecord[];
  versions: VersionsLookup;
}) => {
  const classes = useStyles();
  return (
    <ol className={classes.list} aria-label="Changes, newest first">
      {records.map(record => {
        const weights = describeRecordWeights(record, versions);
        return (
          <li
            key={record.id}
            className={classes.item}
            data-testid={`history-${record.id}`}
          >
            <span className={classes.dot} />
            <div className={classes.header}>
              <StatusChip status={record.outcome} />
              <Typography variant="subtitle2" component="span">
                {recordActionLabel(record)}
              </Typography>
              <Typography
                variant="body2"
                component="span"
                color="textSecondary"
              >
                {describeTarget(record)}
              </Typography>
              <Tooltip title={formatRelative(record.createdAt)}>
                <Typography
                  variant="caption"
                  color="textSecondary"
                  className={classes.time}
                >
                  {formatTime(record.createdAt)}
                </Typography>
              </Tooltip>
            </div>
            <Typography variant="body2" component="div">
              by <ActorRef record={record} />
              {record.approver && (
                <>
                  {' · approved by '}
                  <UserRef entityRef={record.approver} />
                </>
              )}
            </Typography>
            {weights && (
              <Typography variant="body2" className={classes.weights}>
                {weights}
              </Typography>
            )}
            {record.reason && (
              <Typography variant="body2">“{record.reason}”</Typography>
            )}
            {record.message && (
              <Box>
                <Typography
                  variant="body2"
                  color={
                    isTrafficChangeOutcome(record.outcome)
                      ? 'textSecondary'
                      : 'error'
                  }
                >
                  {record.message}
                </Typography>
              </Box>
            )}
          </li>
        );
      })}
    </ol>
  );
};
