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

import { describeFailure } from './failures';
import { responseError } from '../../__testUtils__/api';

// The error the client throws for an answer of the backend's error
// middleware: the error's own enumerable fields (`reason` among them) are
// serialized next to its name and message.
function backendError(
  status: number,
  error: { name: string; message: string; reason?: string },
) {
  return responseError(status, error.name, error.message, {
    reason: error.reason,
  });
}

describe('describeFailure', () => {
  it("reads the backend's message, not the generic one", async () => {
    const e = await backendError(400, {
      name: 'InputError',
      message: 'weights must sum to 100',
    });
    expect(e.message).toMatch(/Request failed with 400/);
    expect(describeFailure(e)).toEqual({
      kind: 'error',
      message: 'weights must sum to 100',
    });
  });

  it('tells conflicts by status', async () => {
    expect(
      describeFailure(
        await backendError(409, { name: 'ConflictError', message: 'changed' }),
      ),
    ).toEqual({ kind: 'conflict', message: 'changed' });
  });

  it("tells the readiness guard by its code, whatever the message's words", async () => {
    const unready = await backendError(422, {
      name: 'UnprocessableError',
      message: 'Version v2 (reviews subset v2) has no ready pods (0 of 2)',
      reason: 'version-unready',
    });
    expect(describeFailure(unready)).toEqual({
      kind: 'unready',
      message: 'Version v2 (reviews subset v2) has no ready pods (0 of 2)',
    });
    expect(
      describeFailure(
        await backendError(422, {
          name: 'UnprocessableError',
          message: 'reworded',
          reason: 'version-unready',
        }),
      ),
    ).toMatchObject({ kind: 'unready' });
  });

  it('does not offer an override for other 422s, even when they mention pods', async () => {
    expect(
      describeFailure(
        await backendError(422, {
          name: 'UnprocessableError',
          message: 'v2 has no ready pods',
        }),
      ),
    ).toMatchObject({ kind: 'error' });
    expect(
      describeFailure(
        await backendError(422, {
          name: 'UnprocessableError',
          message: "subset 'v9' is not defined",
          reason: 'some-future-reason',
        }),
      ),
    ).toMatchObject({ kind: 'error' });
  });

  it('reads an error without a response', () => {
    expect(describeFailure(new Error('offline'))).toEqual({
      kind: 'error',
      message: 'offline',
    });
  });
});
