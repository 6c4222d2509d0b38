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

import type { EntityRolloutView } from '@istio-rollouts/plugin-istio-rollouts-common';
import { act, waitFor } from '@testing-library/react';
import { deferred, responseError, testSignalApi } from '../__testUtils__/api';
import { renderEntityHook } from '../__testUtils__/render';
import { entityRolloutView, route, vsView } from '../__testUtils__/views';
import { POLL_INTERVAL_MS, useRolloutView } from './useRolloutView';

const CHANNEL = 'istio-rollouts:changes';

/** reviews on `local` at `weights`; changes of namespace demo there concern it. */
const viewAt = (weights: number[]) =>
  entityRolloutView([
    {
      cluster: 'local',
      virtualServices: [vsView([route(weights)])],
      signalTopics: ['topic-local-demo'],
    },
    // Found nothing here yet: any change on the cluster may bring something.
    {
      cluster: 'eu-west',
      virtualServices: [],
      signalTopics: ['topic-eu-west'],
    },
  ]);

const weightsOf = (view?: EntityRolloutView) =>
  view?.clusters[0].virtualServices[0].routes[0].destinations.map(
    d => d.weight,
  );

describe('useRolloutView', () => {
  afterEach(() => jest.useRealTimers());

  it("loads the entity's view", async () => {
    const answer = deferred<EntityRolloutView>();
    const getEntityView = jest.fn(() => answer.promise);
    const { result, entity } = renderEntityHook(useRolloutView, {
      getEntityView,
    });

    expect(result.current).toMatchObject({ loading: true, view: undefined });
    await act(async () => answer.resolve(viewAt([90, 10])));

    expect(result.current.loading).toBe(false);
    expect(result.current.error).toBeUndefined();
    expect(weightsOf(result.current.view)).toEqual([90, 10]);
    expect(getEntityView).toHaveBeenCalledWith({
      kind: 'Component',
      namespace: 'default',
      name: entity.metadata.name,
    });
  });

  it('returns the error when the first load fails', async () => {
    const error = await responseError(503, 'ServiceUnavailableError', 'down');
    const { result } = renderEntityHook(useRolloutView, {
      getEntityView: jest.fn().mockRejectedValue(error),
    });

    await waitFor(() => expect(result.current.error).toBe(error));
    expect(result.current.loading).toBe(false);
    expect(result.current.view).toBeUndefined();
  });

  it('refetches once for a signal whose topic concerns the view, and not for others', async () => {
    const signals = testSignalApi();
    const getEntityView = jest
      .fn()
      .mockResolvedValueOnce(viewAt([90, 10]))
      .mockResolvedValue(viewAt([50, 50]));
    const { result } = renderEntityHook(
      useRolloutView,
      { getEntityView },
      signals,
    );
    await waitFor(() => expect(result.current.view).toBeDefined());

    // Another namespace of the same cluster, another channel, a message
    // naming a namespace instead of a topic: none concern this view.
    await act(async () =>
      signals.publish(CHANNEL, {
        topic: 'topic-local-other',
        clusterTopic: 'topic-local',
      }),
    );
    await act(async () =>
      signals.publish('istio-rollouts:requests', { topic: 'topic-local-demo' }),
    );
    await act(async () =>
      signals.publish(CHANNEL, { cluster: 'local', namespace: 'demo' }),
    );
    expect(getEntityView).toHaveBeenCalledTimes(1);

    await act(async () =>
      signals.publish(CHANNEL, {
        topic: 'topic-local-demo',
        clusterTopic: 'topic-local',
      }),
    );
    await waitFor(() =>
      expect(weightsOf(result.current.view)).toEqual([50, 50]),
    );
    expect(getEntityView).toHaveBeenCalledTimes(2);

    // A cluster topic is enough where the view found nothing yet.
    await act(async () =>
      signals.publish(CHANNEL, {
        topic: 'topic-eu-west-demo',
        clusterTopic: 'topic-eu-west',
      }),
    );
    await waitFor(() => expect(getEntityView).toHaveBeenCalledTimes(3));
  });

  it('keeps the last view on screen while it refetches, and when a refetch fails', async () => {
    const signals = testSignalApi();
    const refetch = deferred<EntityRolloutView>();
    const getEntityView = jest
      .fn()
      .mockResolvedValueOnce(viewAt([90, 10]))
      .mockReturnValueOnce(refetch.promise);
    const { result } = renderEntityHook(
      useRolloutView,
      { getEntityView },
      signals,
    );
    await waitFor(() => expect(result.current.view).toBeDefined());

    await act(async () =>
      signals.publish(CHANNEL, { topic: 'topic-local-demo' }),
    );
    expect(getEntityView).toHaveBeenCalledTimes(2);
    expect(result.current.loading).toBe(false);
    expect(weightsOf(result.current.view)).toEqual([90, 10]);

    await act(async () => refetch.reject(new Error('connection reset')));
    expect(result.current.error).toBeUndefined();
    expect(weightsOf(result.current.view)).toEqual([90, 10]);
  });

  it('polls without signals, and does not while signals work', async () => {
    jest.useFakeTimers();
    const getEntityView = jest.fn().mockResolvedValue(viewAt([90, 10]));
    const polled = renderEntityHook(useRolloutView, { getEntityView });
    await waitFor(() => expect(polled.result.current.view).toBeDefined());

    await act(async () => jest.advanceTimersByTime(POLL_INTERVAL_MS));
    expect(getEntityView).toHaveBeenCalledTimes(2);
    polled.unmount();

    getEntityView.mockClear();
    const live = renderEntityHook(
      useRolloutView,
      { getEntityView },
      testSignalApi(),
    );
    await waitFor(() => expect(live.result.current.view).toBeDefined());
    await act(async () => jest.advanceTimersByTime(3 * POLL_INTERVAL_MS));
    expect(getEntityView).toHaveBeenCalledTimes(1);
  });
});
