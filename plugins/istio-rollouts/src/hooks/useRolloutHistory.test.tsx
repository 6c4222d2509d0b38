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

import type { AuditRecordPage } from '@istio-rollouts/plugin-istio-rollouts-common';
import { act, renderHook, waitFor } from '@testing-library/react';
import { deferred, responseError } from '../__testUtils__/api';
import { auditRecord } from '../__testUtils__/auditRecords';
import { apiWrapper, testEntity } from '../__testUtils__/render';
import {
  HISTORY_PAGE_SIZE,
  mergeFirstPage,
  useRolloutHistory,
} from './useRolloutHistory';

/** Records with these ids, newest first. */
const records = (...ids: string[]) => ids.map(id => auditRecord({ id }));
const idsOf = (loaded: { records: Array<{ id: string }> }) =>
  loaded.records.map(r => r.id);

function renderHistory(getHistory: jest.Mock) {
  const entity = testEntity();
  const hook = renderHook(
    ({ refreshKey }: { refreshKey?: string }) =>
      useRolloutHistory(entity, refreshKey),
    {
      wrapper: apiWrapper({ getHistory }),
      initialProps: {},
    },
  );
  return { ...hook, entity };
}

describe('mergeFirstPage', () => {
  it('puts the new records on top and takes known ones as the page has them', () => {
    const current = { records: records('3', '2', '1'), nextCursor: 'c1' };
    const settled = auditRecord({ id: '3', outcome: 'applied' });
    const merged = mergeFirstPage(current, {
      items: [...records('5', '4'), settled],
      nextCursor: 'c3',
    });

    expect(idsOf(merged)).toEqual(['5', '4', '3', '2', '1']);
    expect(merged.records[2]).toBe(settled);
    // The older pages are the ones loaded: their cursor stays.
    expect(merged.nextCursor).toBe('c1');
  });

  it('starts again from the new page when nothing overlaps', () => {
    const merged = mergeFirstPage(
      { records: records('2', '1') },
      { items: records('9', '8'), nextCursor: 'c8' },
    );
    expect(merged).toEqual({ records: records('9', '8'), nextCursor: 'c8' });
  });
});

describe('useRolloutHistory', () => {
  it("loads the entity's first page", async () => {
    const answer = deferred<AuditRecordPage>();
    const getHistory = jest.fn(() => answer.promise);
    const { result, entity } = renderHistory(getHistory);

    expect(result.current).toMatchObject({
      loading: true,
      records: [],
      hasMore: false,
    });
    await act(async () =>
      answer.resolve({ items: records('2', '1'), nextCursor: 'c1' }),
    );

    expect(result.current.loading).toBe(false);
    expect(idsOf(result.current)).toEqual(['2', '1']);
    expect(result.current.hasMore).toBe(true);
    expect(getHistory).toHaveBeenCalledWith(
      { kind: 'Component', namespace: 'default', name: entity.metadata.name },
      { limit: HISTORY_PAGE_SIZE },
    );
  });

  it('returns the error when the first page fails', async () => {
    const error = await responseError(403, 'NotAllowedError', 'not yours');
    const { result } = renderHistory(jest.fn().mockRejectedValue(error));

    await waitFor(() => expect(result.current.error).toBe(error));
    expect(result.current.loading).toBe(false);
  });

  it('appends the next page, once, however often more is asked for while it loads', async () => {
    const more = deferred<AuditRecordPage>();
    const getHistory = jest
      .fn()
      .mockResolvedValueOnce({ items: records('4', '3'), nextCursor: 'c3' })
      .mockReturnValueOnce(more.promise);
    const { result } = renderHistory(getHistory);
    await waitFor(() => expect(result.current.hasMore).toBe(true));

    act(() => {
      result.current.loadMore();
      result.current.loadMore();
    });
    expect(result.current.loadingMore).toBe(true);
    act(() => {
      result.current.loadMore();
    });
    expect(getHistory).toHaveBeenCalledTimes(2);
    expect(getHistory).toHaveBeenLastCalledWith(expect.anything(), {
      limit: HISTORY_PAGE_SIZE,
      cursor: 'c3',
    });

    // A record that moved onto the next page meanwhile is not shown twice.
    await act(async () => more.resolve({ items: records('3', '2', '1') }));
    expect(idsOf(result.current)).toEqual(['4', '3', '2', '1']);
    expect(result.current.loadingMore).toBe(false);
    expect(result.current.hasMore).toBe(false);
  });

  it('keeps what is loaded when a further page fails, and says so', async () => {
    const getHistory = jest
      .fn()
      .mockResolvedValueOnce({ items: records('2'), nextCursor: 'c2' })
      .mockRejectedValueOnce(new Error('connection reset'));
    const { result } = renderHistory(getHistory);
    await waitFor(() => expect(result.current.hasMore).toBe(true));

    await act(() => result.current.loadMore());
    expect(result.current.moreError?.message).toBe('connection reset');
    expect(idsOf(result.current)).toEqual(['2']);
    expect(result.current.hasMore).toBe(true);
  });

  it('fetches the first page again when the refresh key changes, keeping the older pages', async () => {
    const getHistory = jest
      .fn()
      .mockResolvedValueOnce({ items: records('4', '3'), nextCursor: 'c3' })
      .mockResolvedValueOnce({ items: records('2', '1'), nextCursor: 'c1' })
      .mockResolvedValueOnce({ items: records('5', '4'), nextCursor: 'c4' })
      .mockRejectedValueOnce(new Error('connection reset'));
    const { result, rerender } = renderHistory(getHistory);
    await waitFor(() => expect(result.current.hasMore).toBe(true));
    await act(() => result.current.loadMore());

    rerender({ refreshKey: 'view-2' });
    await waitFor(() =>
      expect(idsOf(result.current)).toEqual(['5', '4', '3', '2', '1']),
    );
    expect(getHistory).toHaveBeenLastCalledWith(expect.anything(), {
      limit: HISTORY_PAGE_SIZE,
    });
    expect(result.current.hasMore).toBe(true);

    // A failed refresh keeps what is shown.
    rerender({ refreshKey: 'view-3' });
    await waitFor(() => expect(getHistory).toHaveBeenCalledTimes(4));
    expect(result.current.error).toBeUndefined();
    expect(idsOf(result.current)).toEqual(['5', '4', '3', '2', '1']);
  });
});
