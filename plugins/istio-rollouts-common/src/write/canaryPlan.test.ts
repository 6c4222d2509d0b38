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

import { DEFAULT_CANARY_STEPS } from '../annotations';
import {
  deriveCanaryPlan,
  identifyStable,
  nextStep,
  validateCanarySteps,
} from './canaryPlan';

const d = (subset: string, weight: number, host = 'reviews') => ({
  host,
  subset,
  weight,
});

describe('nextStep', () => {
  it.each([
    [0, 10],
    [5, 10],
    [10, 25],
    [12, 25],
    [25, 50],
    [50, 100],
    [99, 100],
    [100, 100],
    [150, 100],
  ])('from %i goes to %i with the default steps', (current, next) => {
    expect(nextStep(current, DEFAULT_CANARY_STEPS)).toBe(next);
    expect(nextStep(current)).toBe(next);
  });

  it('takes the smallest greater step, even from unsorted steps', () => {
    expect(nextStep(20, [100, 30, 60])).toBe(30);
    expect(nextStep(60, [20, 40])).toBe(100);
    expect(nextStep(0, [])).toBe(100);
  });
});

describe('validateCanarySteps', () => {
  it('accepts increasing whole percentages ending at 100', () => {
    expect(validateCanarySteps([1, 50, 100])).toEqual({
      ok: true,
      steps: [1, 50, 100],
    });
    expect(validateCanarySteps([100])).toEqual({ ok: true, steps: [100] });
  });

  it.each([
    [undefined, 'steps must be a non-empty list of percentages'],
    [[], 'steps must be a non-empty list of percentages'],
    [['10', 100], 'step "10" is not a whole percentage'],
    [[12.5, 100], 'step 12.5 is not a whole percentage'],
    [[0, 100], 'step 0 is outside 1..100'],
    [[10, 101], 'step 101 is outside 1..100'],
    [[10, 10, 100], 'steps must increase, but 10 follows 10'],
    [[10, 50], 'the last step must be 100'],
  ])('refuses %j', (steps, message) => {
    expect(validateCanarySteps(steps)).toEqual({ ok: false, message });
  });
});

describe('identifyStable', () => {
  it.each([
    [[d('v1', 100)], 0, undefined],
    [[d('v1', 90), d('v2', 10)], 0, 1],
    [[d('v1', 50), d('v2', 50)], 0, 1],
    [[d('v1', 100), d('v2', 0)], 0, 1],
    [[d('v1', 80), d('v2', 10), d('v3', 10)], 0, undefined],
  ])('%j: stable %i, canary %p', (destinations, stable, canary) => {
    expect(identifyStable({ destinations })).toEqual(
      canary === undefined
        ? { ok: true, stable }
        : { ok: true, stable, canary },
    );
  });

  it('refuses when order and weight disagree, naming both', () => {
    expect(
      identifyStable({
        destinations: [d('v1', 0), d('v2', 100)],
        where: 'route x',
      }),
    ).toEqual({
      ok: false,
      status: 409,
      message:
        'cannot tell which version of route x is stable: reviews/v1 is listed first but reviews/v2 has more traffic (100% vs 0%); say which one is stable',
    });
  });

  it('takes an explicit stable, matching hosts as Istio resolves them', () => {
    expect(
      identifyStable({
        destinations: [d('v1', 40), d('v2', 60)],
        stable: { host: 'reviews.shop.svc.cluster.local', subset: 'v2' },
        namespace: 'shop',
      }),
    ).toEqual({ ok: true, stable: 1, canary: 0 });
  });

  it('refuses an explicit stable it cannot find, or cannot tell apart', () => {
    expect(
      identifyStable({
        destinations: [d('v1', 90), d('v2', 10)],
        stable: { host: 'ratings' },
      }),
    ).toMatchObject({ ok: false, status: 422 });
    expect(
      identifyStable({
        destinations: [
          { host: 'reviews', port: 80, weight: 50 },
          { host: 'reviews', port: 81, weight: 50 },
        ],
        stable: { host: 'reviews' },
      }),
    ).toEqual({
      ok: false,
      status: 422,
      message:
        'stable reviews names 2 destinations of the route; give the port',
    });
    expect(identifyStable({ destinations: [] })).toMatchObject({
      status: 409,
    });
  });
});

describe('deriveCanaryPlan', () => {
  it('works from the view’s destinations with the default steps', () => {
    expect(
      deriveCanaryPlan({ destinations: [d('v1', 75), d('v2', 25)] }),
    ).toEqual({
      ok: true,
      plan: {
        steps: [10, 25, 50, 100],
        stable: d('v1', 75),
        canary: d('v2', 25),
        current: 25,
        next: 50,
      },
    });
  });

  it('reaches 100 and stays there', () => {
    const plan = deriveCanaryPlan({
      destinations: [d('v1', 0), d('v2', 100)],
      stable: { host: 'reviews', subset: 'v1' },
      steps: [30, 100],
    });
    expect(plan).toMatchObject({ ok: true, plan: { current: 100, next: 100 } });
  });

  it.each([
    [[d('v1', 100)], 409, /single destination, so there is no canary/],
    [[d('v1', 80), d('v2', 10), d('v3', 10)], 409, /has 3 destinations/],
    [[d('v1', 10), d('v2', 90)], 409, /cannot tell which version/],
  ])('refuses %j', (destinations, status, message) => {
    expect(deriveCanaryPlan({ destinations })).toEqual({
      ok: false,
      status,
      message: expect.stringMatching(message),
    });
  });

  it('refuses bad steps', () => {
    expect(
      deriveCanaryPlan({
        destinations: [d('v1', 90), d('v2', 10)],
        steps: [50],
      }),
    ).toEqual({ ok: false, status: 400, message: 'the last step must be 100' });
  });
});
