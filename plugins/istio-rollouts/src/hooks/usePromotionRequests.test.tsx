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

import type { PromotionRequestList } from '@istio-rollouts/plugin-istio-rollouts-common';
import { act, waitFor } from '@testing-library/react';
import { deferred, responseError, testSignalApi } from '../__testUtils__/api';
import { renderEntityHook } from '../__testUtils__/render';
import { APPROVAL_POLICY, promotionRequest } from '../__testUtils__/writes';
import {
  RECENT_DECIDED_LIMIT,
  REQUESTS_SLOW_POLL_MS,
  usePromotionRequests,
} from './usePromotionRequests';
import { POLL_INTERVAL_MS } from './useRolloutView';

const CHANNEL = 'istio-rollouts:requests';
const TOPIC = 'topic-of-this-entity';

const pending = promotionRequest({ id: 'open' });
const decided = promotionRequest({ id: 'done', status: 'rejected' });

/** Answers pending and decided requests as the backend lists them. */
const listing = () =>
  jest.fn(
    async (
      _entity: unknown,
      query?: { status?: string[]; limit?: number },
    ): Promise<PromotionRequestList> => ({
      items: query?.status?.includes('pending') ? [pending] : [decided],
      policy: APPROVAL_POLICY,
      signalTopic: TOPIC,
    }),
  );

describe('usePromotionRequests', () => {
  afterEach(() => jest.useRealTimers());

  it('loads pending and recently decided requests apart, with the policy', async () => {
    const listRequests = listing();
    const { result, entity } = renderEntityHook(usePromotionRequests, {
      listRequests,
    });

    expect(result.current).toMatchObject({
      loading: true,
      pending: [],
      decided: [],
      version: 0,
    });
    await waitFor(() => expect(result.current.loading).toBe(false));

    expect(result.current.pending.map(r => r.id)).toEqual(['open']);
    expect(result.current.decided.map(r => r.id)).toEqual(['done']);
    expect(result.current.policy).toEqual(APPROVAL_POLICY);
    expect(result.current.version).toBe(1);
    const ref = {
      kind: 'Component',
      namespace: 'default',
      name: entity.metadata.name,
    };
    // Many decided requests never push a pending one out of its list.
    expect(listRequests).toHaveBeenCalledWith(ref, {
      status: ['pending', 'approving'],
    });
    const decidedQuery = listRequests.mock.calls.find(([, q]) => q?.limit)!;
    expect(decidedQuery[0]).toEqual(ref);
    expect(decidedQuery[1]).toEqual({
      status: expect.arrayContaining(['applied', 'rejected', 'expired']),
      limit: RECENT_DECIDED_LIMIT,
    });
    expect(decidedQuery[1]!.status).not.toContain('pending');
    expect(decidedQuery[1]!.status).not.toContain('approving');
  });

  it('returns the error when the first load fails', async () => {
    const error = await responseError(500, 'Error', 'database is down');
    const { result } = renderEntityHook(usePromotionRequests, {
      listRequests: jest.fn().mockRejectedValue(error),
    });

    await waitFor(() => expect(result.current.error).toBe(error));
    expect(result.current.loading).toBe(false);
    expect(result.current.pending).toEqual([]);
  });

  it("refetches on a signal with the list's topic, and not on another", async () => {
    const signals = testSignalApi();
    const listRequests = listing();
    const { result } = renderEntityHook(
      usePromotionRequests,
      { listRequests },
      signals,
    );
    await waitFor(() => expect(result.current.version).toBe(1));
    expect(listRequests).toHaveBeenCalledTimes(2);

    await act(async () =>
      signals.publish(CHANNEL, { topic: 'topic-of-another-entity' }),
    );
    await act(async () =>
      signals.publish('istio-rollouts:changes', { topic: TOPIC }),
    );
    expect(listRequests).toHaveBeenCalledTimes(2);

    await act(async () => signals.publish(CHANNEL, { topic: TOPIC }));
    await waitFor(() => expect(result.current.version).toBe(2));
    expect(listRequests).toHaveBeenCalledTimes(4);
  });

  it('keeps the lists while refetching and when a refetch fails', async () => {
    const listRequests = listing();
    const { result } = renderEntityHook(usePromotionRequests, { listRequests });
    await waitFor(() => expect(result.current.version).toBe(1));

    const refetch = deferred<PromotionRequestList>();
    listRequests.mockReturnValue(refetch.promise);
    act(() => result.current.retry());
    expect(result.current.loading).toBe(false);
    expect(result.current.pending.map(r => r.id)).toEqual(['open']);

    await act(async () => refetch.reject(new Error('connection reset')));
    expect(result.current.error).toBeUndefined();
    expect(result.current.pending.map(r => r.id)).toEqual(['open']);
  });

  it('polls fast without signals, slowly with them (expiries are not signalled)', async () => {
    jest.useFakeTimers();
    const listRequests = listing();
    const polled = renderEntityHook(usePromotionRequests, { listRequests });
    await waitFor(() => expect(polled.result.current.version).toBe(1));
    await act(async () => jest.advanceTimersByTime(POLL_INTERVAL_MS));
    await waitFor(() => expect(polled.result.current.version).toBe(2));
    polled.unmount();

    const live = renderEntityHook(
      usePromotionRequests,
      { listRequests },
      testSignalApi(),
    );
    await waitFor(() => expect(live.result.current.version).toBe(1));
    await act(async () => jest.advanceTimersByTime(POLL_INTERVAL_MS));
    expect(live.result.current.version).toBe(1);
    await act(async () =>
      jest.advanceTimersByTime(REQUESTS_SLOW_POLL_MS - POLL_INTERVAL_MS),
    );
    await waitFor(() => expect(live.result.current.version).toBe(2));
  });
});
