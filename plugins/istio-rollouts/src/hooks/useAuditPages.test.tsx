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

import { act, renderHook, waitFor } from '@testing-library/react';
import { pagedByCursor } from '../__testUtils__/api';
import { auditRecord } from '../__testUtils__/auditRecords';
import { apiWrapper } from '../__testUtils__/render';
import { AUDIT_PAGE_SIZE, useAuditPages } from './useAuditPages';

describe('useAuditPages', () => {
  it('lists the audit a page at a time under the filters', async () => {
    const listAudit = pagedByCursor({
      first: { items: [auditRecord({ id: '2' })], nextCursor: 'c1' },
      c1: { items: [auditRecord({ id: '1' })] },
    });
    const { result } = renderHook(
      () => useAuditPages({ entityRef: 'component:default/reviews' }),
      { wrapper: apiWrapper({ listAudit }) },
    );

    await waitFor(() => expect(result.current.records?.[0]?.id).toBe('2'));
    expect(listAudit).toHaveBeenCalledWith({
      entityRef: 'component:default/reviews',
      limit: AUDIT_PAGE_SIZE,
      cursor: undefined,
    });

    act(() => result.current.next());
    await waitFor(() => expect(result.current.records?.[0]?.id).toBe('1'));
    expect(listAudit).toHaveBeenLastCalledWith({
      entityRef: 'component:default/reviews',
      limit: AUDIT_PAGE_SIZE,
      cursor: 'c1',
    });
    expect(result.current).toMatchObject({ pageIndex: 1, hasNext: false });

    act(() => result.current.setFilters({ actor: 'user:default/bob' }));
    await waitFor(() => expect(result.current.pageIndex).toBe(0));
    expect(listAudit).toHaveBeenLastCalledWith({
      actor: 'user:default/bob',
      limit: AUDIT_PAGE_SIZE,
      cursor: undefined,
    });
  });
});
