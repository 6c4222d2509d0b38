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

import { Checkbox, FormControlLabel, TextField } from '@material-ui/core';
import { ChoiceFilter, FilterForm } from '../FilterForm';
import {
  EMPTY_FILTERS,
  ReleasesFilterForm,
  STRATEGIES,
  minAgeDaysError,
} from './releasesFilters';

type TextFields = Exclude<keyof ReleasesFilterForm, 'staleOnly' | 'strategy'>;

/**
 * The releases filters: cluster, namespace, owner, strategy, minimum age,
 * stale only. A minimum age that is not a number of days blocks applying.
 */
export const ReleasesFilterFields = ({
  initial,
  onApply,
}: {
  initial: ReleasesFilterForm;
  onApply: (form: ReleasesFilterForm) => void;
}) => (
  <FilterForm
    initial={initial}
    empty={EMPTY_FILTERS}
    onApply={onApply}
    invalid={form => !!minAgeDaysError(form.minAgeDays)}
  >
    {(form, setField) => {
      const text = (name: TextFields) => (e: { target: { value: string } }) =>
        setField(name, e.target.value);
      const ageError = minAgeDaysError(form.minAgeDays);
      return (
        <>
          <TextField
            id="releases-cluster"
            label="Cluster"
            placeholder="local"
            value={form.cluster}
            onChange={text('cluster')}
          />
          <TextField
            id="releases-namespace"
            label="Namespace"
            placeholder="bookinfo"
            helperText="Of the VirtualService or HTTPRoute"
            value={form.namespace}
            onChange={text('namespace')}
          />
          <TextField
            id="releases-owner"
            label="Owner"
            placeholder="group:default/team-bookinfo"
            helperText="A name means a group"
            value={form.owner}
            onChange={text('owner')}
          />
          <ChoiceFilter
            id="releases-strategy"
            label="Strategy"
            choices={STRATEGIES}
            value={form.strategy}
            onChange={v => setField('strategy', v)}
          />
          <TextField
            id="releases-min-age"
            label="At least (days)"
            type="number"
            inputProps={{ min: 0, step: 'any' }}
            error={!!ageError}
            helperText={ageError ?? 'In its state for this long'}
            value={form.minAgeDays}
            onChange={text('minAgeDays')}
          />
          <FormControlLabel
            label="Stale only"
            control={
              <Checkbox
                checked={form.staleOnly}
                onChange={e => setField('staleOnly', e.target.checked)}
              />
            }
          />
        </>
      );
    }}
  </FilterForm>
);
