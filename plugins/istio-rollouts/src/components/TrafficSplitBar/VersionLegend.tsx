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

import { Typography, makeStyles } from '@material-ui/core';

const useStyles = makeStyles(theme => ({
  legend: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(2),
    marginTop: theme.spacing(0.5),
  },
  swatch: {
    display: 'inline-block',
    width: 10,
    height: 10,
    borderRadius: 2,
    marginRight: 4,
  },
}));

/**
 * A row of version colour swatches with their labels: the one legend of the
 * split bar and the weights chart, so a version looks the same in both.
 */
export const VersionLegend = ({
  items,
  hidden,
}: {
  items: Array<{ key: string; color: string; label: string }>;
  /** Hidden from screen readers when the figure has its own text alternative. */
  hidden?: boolean;
}) => {
  const classes = useStyles();
  return (
    <div className={classes.legend} aria-hidden={hidden || undefined}>
      {items.map(item => (
        <Typography variant="body2" component="span" key={item.key}>
          <span className={classes.swatch} style={{ background: item.color }} />
          {item.label}
        </Typography>
      ))}
    </div>
  );
};
