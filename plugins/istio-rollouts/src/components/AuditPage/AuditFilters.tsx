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
  FormControl,
  InputLabel,
  MenuItem,
  Select,
  TextField,
  makeStyles,
} from '@material-ui/core';
import { AuditFilterForm, EMPTY_FILTERS, OUTCOMES } from './auditFilters';

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
 * The audit filters. They apply on submit (Enter or the button), not per
 * keystroke: each change restarts paging and queries the whole trail.
 */
export const AuditFilters = ({
  initial,
  onApply,
}: {
  initial: AuditFilterForm;
  onApply: (form: AuditFilterForm) => void;
}) => {
  const classes = useStyles();
  const [form, setForm] = useState(initial);
  const field =
    (name: keyof AuditFilterForm) => (e: { target: { value: unknown } }) =>
      setForm(f => ({ ...f, [name]: String(e.target.value) }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply(form);
  };

  return (
    <form className={classes.form} onSubmit={submit} aria-label="Filters">
      <TextField
        id="audit-entity"
        label="Entity"
        placeholder="component:default/reviews"
        helperText="A name means a component"
        value={form.entityRef}
        onChange={field('entityRef')}
      />
      <TextField
        id="audit-actor"
        label="Actor"
        placeholder="user:default/alice"
        helperText="A name means a user"
        value={form.actor}
        onChange={field('actor')}
      />
      <TextField
        id="audit-action"
        label="Action"
        placeholder="promote-next"
        helperText="e.g. promote-next, rollback, scale"
        value={form.action}
        onChange={field('action')}
      />
      <FormControl>
        <InputLabel id="audit-outcome-label">Outcome</InputLabel>
        <Select
          labelId="audit-outcome-label"
          id="audit-outcome"
          value={form.outcome}
          onChange={field('outcome')}
        >
          <MenuItem value="">Any</MenuItem>
          {OUTCOMES.map(o => (
            <MenuItem key={o} value={o}>
              {o}
            </MenuItem>
          ))}
        </Select>
      </FormControl>
      <TextField
        id="audit-from"
        label="From"
        type="datetime-local"
        InputLabelProps={{ shrink: true }}
        value={form.from}
        onChange={field('from')}
      />
      <TextField
        id="audit-to"
        label="To (exclusive)"
        type="datetime-local"
        InputLabelProps={{ shrink: true }}
        value={form.to}
        onChange={field('to')}
      />
      <div className={classes.buttons}>
        <Button type="submit" variant="contained" color="primary">
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
