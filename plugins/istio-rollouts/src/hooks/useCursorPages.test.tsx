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
import { deferred } from '../__testUtils__/api';
import { useCursorPages } from './useCursorPages';

interface Filters {
  owner?: string;
}
interface Page {
  items: string[];
  nextCursor?: string;
}

/** Three pages of one item each, linked by cursors c2 and c3. */
const PAGES: Record<string, Page> = {
  first: { items: ['a'], nextCursor: 'c2' },
  c2: { items: ['b'], nextCursor: 'c3' },
  c3: { items: ['c'] },
};

function renderPages(
  load = jest.fn(
    async (_filters: Filters, cursor: string | undefined) =>
      PAGES[cursor ?? 'first'],
  ),
) {
  // The hook wants `load` to keep its identity between renders.
  const hook = renderHook(() => useCursorPages(load, { owner: 'team-a' }));
  return { ...hook, load };
}

describe('useCursorPages', () => {
  it('loads the first page under the initial filters', async () => {
    const { result, load } = renderPages();

    expect(result.current.loading).toBe(true);
    await waitFor(() => expect(result.current.page?.items).toEqual(['a']));
    expect(load).toHaveBeenCalledWith({ owner: 'team-a' }, undefined);
    expect(result.current).toMatchObject({
      pageIndex: 0,
      hasNext: true,
      hasPrevious: false,
    });
  });

  it('pages forward with the cursor, back through the cursors seen, and to the first page', async () => {
    const { result, load } = renderPages();
    await waitFor(() => expect(result.current.hasNext).toBe(true));

    act(() => result.current.next());
    await waitFor(() => expect(result.current.page?.items).toEqual(['b']));
    expect(load).toHaveBeenLastCalledWith({ owner: 'team-a' }, 'c2');
    await waitFor(() => expect(result.current.hasNext).toBe(true));
    act(() => result.current.next());
    await waitFor(() => expect(result.current.page?.items).toEqual(['c']));
    expect(result.current).toMatchObject({
      pageIndex: 2,
      hasNext: false,
      hasPrevious: true,
    });
    // Past the last page there is nowhere to go.
    act(() => result.current.next());
    expect(result.current.pageIndex).toBe(2);

    act(() => result.current.previous());
    await waitFor(() => expect(result.current.page?.items).toEqual(['b']));
    expect(load).toHaveBeenLastCalledWith({ owner: 'team-a' }, 'c2');
    act(() => result.current.first());
    await waitFor(() => expect(result.current.page?.items).toEqual(['a']));
    expect(result.current).toMatchObject({ pageIndex: 0, hasPrevious: false });
    act(() => result.current.previous());
    expect(result.current.pageIndex).toBe(0);
  });

  it('asks for the next page once, however often next is called while it loads', async () => {
    const second = deferred<Page>();
    const load = jest
      .fn()
      .mockResolvedValueOnce(PAGES.first)
      .mockReturnValueOnce(second.promise)
      .mockResolvedValue(PAGES.first);
    const { result } = renderPages(load);
    await waitFor(() => expect(result.current.hasNext).toBe(true));

    act(() => {
      result.current.next();
      result.current.next();
    });
    expect(result.current.hasNext).toBe(false);
    act(() => result.current.next());
    await act(async () => second.resolve(PAGES.c2));

    expect(load).toHaveBeenCalledTimes(2);
    expect(result.current.pageIndex).toBe(1);
    expect(result.current.page?.items).toEqual(['b']);
    // One step back is the first page, not the second again.
    act(() => result.current.previous());
    expect(result.current.hasPrevious).toBe(false);
    await waitFor(() => expect(result.current.page?.items).toEqual(['a']));
  });

  it('starts again at the first page when the filters change', async () => {
    const { result, load } = renderPages();
    await waitFor(() => expect(result.current.hasNext).toBe(true));
    act(() => result.current.next());
    await waitFor(() => expect(result.current.pageIndex).toBe(1));

    act(() => result.current.setFilters({ owner: 'team-b' }));
    await waitFor(() => expect(result.current.loading).toBe(false));
    expect(load).toHaveBeenLastCalledWith({ owner: 'team-b' }, undefined);
    expect(result.current).toMatchObject({
      filters: { owner: 'team-b' },
      pageIndex: 0,
      hasPrevious: false,
    });
  });

  it('returns a failed load, and loads again on retry', async () => {
    const load = jest
      .fn()
      .mockRejectedValueOnce(new Error('connection reset'))
      .mockResolvedValue(PAGES.first);
    const { result } = renderPages(load);
    await waitFor(() =>
      expect(result.current.error?.message).toBe('connection reset'),
    );
    expect(result.current.hasNext).toBe(false);

    act(() => result.current.retry());
    await waitFor(() => expect(result.current.page?.items).toEqual(['a']));
    expect(result.current.error).toBeUndefined();
    expect(load).toHaveBeenCalledTimes(2);
  });
});
