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

import { TextField } from '@material-ui/core';
import { ChoiceFilter, FilterForm } from '../FilterForm';
import { AuditFilterForm, EMPTY_FILTERS, OUTCOMES } from './auditFilters';

/** The audit trail's filters: entity, actor, action, outcome, time range. */
export const AuditFilters = ({
  initial,
  onApply,
}: {
  initial: AuditFilterForm;
  onApply: (form: AuditFilterForm) => void;
}) => (
  <FilterForm initial={initial} empty={EMPTY_FILTERS} onApply={onApply}>
    {(form, setField, bindText) => (
      <>
        <TextField
          id="audit-entity"
          label="Entity"
          placeholder="component:default/reviews"
          helperText="A name means a component"
          {...bindText('entityRef')}
        />
        <TextField
          id="audit-actor"
          label="Actor"
          placeholder="user:default/alice"
          helperText="A name means a user"
          {...bindText('actor')}
        />
        <TextField
          id="audit-action"
          label="Action"
          placeholder="promote-next"
          helperText="e.g. promote-next, rollback, scale"
          {...bindText('action')}
        />
        <ChoiceFilter
          id="audit-outcome"
          label="Outcome"
          choices={OUTCOMES}
          value={form.outcome}
          onChange={v => setField('outcome', v)}
        />
        <TextField
          id="audit-from"
          label="From"
          type="datetime-local"
          InputLabelProps={{ shrink: true }}
          {...bindText('from')}
        />
        <TextField
          id="audit-to"
          label="To (exclusive)"
          type="datetime-local"
          InputLabelProps={{ shrink: true }}
          {...bindText('to')}
        />
      </>
    )}
  </FilterForm>
);
