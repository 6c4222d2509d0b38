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
    {(form, setField, bindText) => {
      const ageError = minAgeDaysError(form.minAgeDays);
      return (
        <>
          <TextField
            id="releases-cluster"
            label="Cluster"
            placeholder="local"
            {...bindText('cluster')}
          />
          <TextField
            id="releases-namespace"
            label="Namespace"
            placeholder="bookinfo"
            helperText="Of the VirtualService or HTTPRoute"
            {...bindText('namespace')}
          />
          <TextField
            id="releases-owner"
            label="Owner"
            placeholder="group:default/team-bookinfo"
            helperText="A name means a group"
            {...bindText('owner')}
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
            {...bindText('minAgeDays')}
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
