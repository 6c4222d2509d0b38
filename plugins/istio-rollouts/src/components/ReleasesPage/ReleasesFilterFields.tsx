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

import { FormEvent, useState } from 'react';
import {
  Button,
  Checkbox,
  FormControl,
  FormControlLabel,
  InputLabel,
  MenuItem,
  Select,
  TextField,
  makeStyles,
} from '@material-ui/core';
import {
  EMPTY_FILTERS,
  ReleasesFilterForm,
  STRATEGIES,
  minAgeDaysError,
} from './releasesFilters';

const useStyles = makeStyles(theme => ({
  form: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(200px, 1fr))',
    gap: theme.spacing(2),
    alignItems: 'end',
  },
  buttons: { display: 'flex', gap: theme.spacing(1), whiteSpace: 'nowrap' },
}));

/**
 * The releases filters. They apply on submit (Enter or the button), not
 * per keystroke: each change restarts paging and reads every cluster.
 */
export const ReleasesFilterFields = ({
  initial,
  onApply,
}: {
  initial: ReleasesFilterForm;
  onApply: (form: ReleasesFilterForm) => void;
}) => {
  const classes = useStyles();
  const [form, setForm] = useState(initial);
  const field =
    (name: Exclude<keyof ReleasesFilterForm, 'staleOnly'>) =>
    (e: { target: { value: unknown } }) =>
      setForm(f => ({ ...f, [name]: String(e.target.value) }));
  const ageError = minAgeDaysError(form.minAgeDays);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!ageError) onApply(form);
  };

  return (
    <form className={classes.form} onSubmit={submit} aria-label="Filters">
      <TextField
        id="releases-cluster"
        label="Cluster"
        placeholder="local"
        value={form.cluster}
        onChange={field('cluster')}
      />
      <TextField
        id="releases-namespace"
        label="Namespace"
        placeholder="bookinfo"
        helperText="Of the VirtualService or HTTPRoute"
        value={form.namespace}
        onChange={field('namespace')}
      />
      <TextField
        id="releases-owner"
        label="Owner"
        placeholder="group:default/team-bookinfo"
        helperText="A name means a group"
        value={form.owner}
        onChange={field('owner')}
      />
      <FormControl>
        <InputLabel id="releases-strategy-label">Strategy</InputLabel>
        <Select
          labelId="releases-strategy-label"
          id="releases-strategy"
          value={form.strategy}
          onChange={field('strategy')}
        >
          <MenuItem value="">Any</MenuItem>
          {STRATEGIES.map(s => (
            <MenuItem key={s} value={s}>
              {s}
            </MenuItem>
          ))}
        </Select>
      </FormControl>
      <TextField
        id="releases-min-age"
        label="At least (days)"
        type="number"
        inputProps={{ min: 0, step: 'any' }}
        error={!!ageError}
        helperText={ageError ?? 'In its state for this long'}
        value={form.minAgeDays}
        onChange={field('minAgeDays')}
      />
      <FormControlLabel
        label="Stale only"
        control={
          <Checkbox
            checked={form.staleOnly}
            onChange={e =>
              setForm(f => ({ ...f, staleOnly: e.target.checked }))
            }
          />
        }
      />
      <div className={classes.buttons}>
        <Button
          type="submit"
          variant="contained"
          color="primary"
          disabled={!!ageError}
        >
          Apply filters
        </Button>
        <Button
          onClick={() => {
            setForm(EMPTY_FILTERS);
            onApply(EMPTY_FILTERS);
          }}
        >
          Clear
        </Button>
      </div>
    </form>
  );
};
