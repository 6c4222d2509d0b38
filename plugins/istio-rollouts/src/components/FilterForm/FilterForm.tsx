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

import { FormEvent, ReactNode, useState } from 'react';
import { InfoCard } from '@backstage/core-components';
import {
  Box,
  Button,
  FormControl,
  InputLabel,
  MenuItem,
  Select,
  makeStyles,
} from '@material-ui/core';

const useStyles = makeStyles(theme => ({
  form: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(200px, 1fr))',
    gap: theme.spacing(2),
    alignItems: 'end',
  },
  buttons: { display: 'flex', gap: theme.spacing(1), whiteSpace: 'nowrap' },
}));

/** Sets one field of a filter form. */
export type SetFilterField<T> = <K extends keyof T>(
  name: K,
  value: T[K],
) => void;

/** The fields of a form that take any text. */
type TextKeys<T> = {
  [K in keyof T]-?: string extends T[K] ? K : never;
}[keyof T];

/** Ties a text input to one field of a filter form: its value and onChange. */
export type BindTextFilter<T> = (name: TextKeys<T>) => {
  value: T[TextKeys<T>];
  onChange: (e: { target: { value: string } }) => void;
};

/**
 * A page's filters in their card. They apply on submit (Enter or the
 * button), not per keystroke: each change restarts paging and queries the
 * whole trail or every cluster. "Clear" applies the empty form at once.
 */
export function FilterForm<T>(props: {
  initial: T;
  empty: T;
  onApply: (form: T) => void;
  /** While true, the form is not applied (a field shows why). */
  invalid?: (form: T) => boolean;
  children: (
    form: T,
    setField: SetFilterField<T>,
    bindText: BindTextFilter<T>,
  ) => ReactNode;
}) {
  const { initial, empty, onApply, invalid, children } = props;
  const classes = useStyles();
  const [form, setForm] = useState(initial);
  const setField: SetFilterField<T> = (name, value) =>
    setForm(f => ({ ...f, [name]: value }));
  const bindText: BindTextFilter<T> = name => ({
    value: form[name],
    onChange: e => setForm(f => ({ ...f, [name]: e.target.value })),
  });
  const blocked = invalid?.(form) ?? false;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!blocked) onApply(form);
  };

  return (
    <Box mb={3}>
      <InfoCard title="Filters">
        <form className={classes.form} onSubmit={submit} aria-label="Filters">
          {children(form, setField, bindText)}
          <div className={classes.buttons}>
            <Button
              type="submit"
              variant="contained"
              color="primary"
              disabled={blocked}
            >
              Apply filters
            </Button>
            <Button
              onClick={() => {
                setForm(empty);
                onApply(empty);
              }}
            >
              Clear
            </Button>
          </div>
        </form>
      </InfoCard>
    </Box>
  );
}

/** A filter that is one of a fixed list of values, or "Any" (empty). */
export function ChoiceFilter<V extends string>(props: {
  id: string;
  label: string;
  choices: readonly V[];
  value: V | '';
  onChange: (value: V | '') => void;
}) {
  const { id, label, choices, value, onChange } = props;
  return (
    <FormControl>
      <InputLabel id={`${id}-label`}>{label}</InputLabel>
      <Select
        labelId={`${id}-label`}
        id={id}
        value={value}
        // "Any" and anything not listed read as no filter.
        onChange={e => onChange(choices.find(c => c === e.target.value) ?? '')}
      >
        <MenuItem value="">Any</MenuItem>
        {choices.map(c => (
          <MenuItem key={c} value={c}>
            {c}
          </MenuItem>
        ))}
      </Select>
    </FormControl>
  );
}
