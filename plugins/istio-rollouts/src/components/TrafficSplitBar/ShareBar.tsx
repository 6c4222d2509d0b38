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

import { Tooltip, makeStyles } from '@material-ui/core';

const useStyles = makeStyles(theme => ({
  bar: {
    display: 'flex',
    width: '100%',
    borderRadius: theme.shape.borderRadius,
    overflow: 'hidden',
    border: `1px solid ${theme.palette.divider}`,
  },
  segment: {
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    color: '#fff',
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    fontWeight: 600,
    textShadow: '0 0 2px rgba(0,0,0,0.6)',
  },
}));

/** One coloured part of a bar. */
export interface ShareSegment {
  key: string;
  color: string;
  /** Relative size; segments are scaled to fill the bar. */
  amount: number;
  /** Shown in the tooltip, and inside the segment when it is wide enough. */
  label: string;
}

/**
 * A horizontal bar of coloured segments sized by their share: the
 * configured split and the observed traffic draw the same way, so the two
 * can be compared by eye.
 */
export const ShareBar = ({
  segments,
  ariaLabel,
  height,
  showLabels,
}: {
  segments: ShareSegment[];
  ariaLabel: string;
  height: number;
  /** Writes the label inside segments of at least 8% of the bar. */
  showLabels?: boolean;
}) => {
  const classes = useStyles();
  const total = segments.reduce((sum, s) => sum + Math.max(s.amount, 0), 0);
  return (
    <div
      className={classes.bar}
      role="img"
      aria-label={ariaLabel}
      style={{ height }}
    >
      {segments
        .filter(s => s.amount > 0)
        .map(s => {
          const percent = total > 0 ? (s.amount / total) * 100 : 0;
          return (
            <Tooltip key={s.key} title={s.label}>
              <div
                className={classes.segment}
                style={{ width: `${percent}%`, background: s.color }}
              >
                {showLabels && percent >= 8 ? s.label : ''}
              </div>
            </Tooltip>
          );
        })}
    </div>
  );
};
