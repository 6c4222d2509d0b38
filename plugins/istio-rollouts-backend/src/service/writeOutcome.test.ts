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

import { decideWriteOutcome } from './writeOutcome';

const ME = 'backstage-istio-rollouts';
const sentAfter = new Date('2026-12-01T10:00:00.500Z');

function decide(
  observed: Parameters<typeof decideWriteOutcome>[0]['observed'],
  resourceVersionBefore: string | undefined = '100',
) {
  return decideWriteOutcome({
    what: 'VirtualService ns/web route primary',
    resourceVersionBefore,
    intended: { weights: [75, 25] },
    observed,
    same: (a, b) => JSON.stringify(a) === JSON.stringify(b),
    describe: s => JSON.stringify(s),
    fieldManager: ME,
    sentAfter,
  });
}

describe('decideWriteOutcome', () => {
  it('reads an unchanged resourceVersion as not applied (the patch was conditional on it)', () => {
    const d = decide({ resourceVersion: '100', state: { weights: [90, 10] } });
    expect(d.verdict).toBe('not-applied');
    expect(d.message).toMatch(/^Not applied: .*still at resourceVersion 100/);
  });

  it('reads the intended split at a new resourceVersion as applied', () => {
    const d = decide({
      resourceVersion: '101',
      state: { weights: [75, 25] },
      managedFields: [{ manager: ME, time: '2026-12-01T10:00:02Z' }],
    });
    expect(d.verdict).toBe('applied');
    expect(d.message).toMatch(/^Applied: .*resourceVersion 101/);
  });

  it('compares field-manager times on whole seconds', () => {
    // Written in the same second the write was sent: may be ours.
    const d = decide({
      resourceVersion: '101',
      state: { weights: [75, 25] },
      managedFields: [{ manager: ME, time: '2026-12-01T10:00:00Z' }],
    });
    expect(d.verdict).toBe('applied');
  });

  it('does not claim a split someone else made', () => {
    const d = decide({
      resourceVersion: '101',
      state: { weights: [75, 25] },
      managedFields: [
        { manager: 'kubectl-edit', time: '2026-12-01T10:00:03Z' },
        { manager: ME, time: '2026-11-30T09:00:00Z' },
      ],
    });
    expect(d.verdict).toBe('not-applied');
    expect(d.message).toMatch(/not written it since.*kubectl-edit/);
  });

  it('reads another split not written by the plugin since as not applied', () => {
    const d = decide({
      resourceVersion: '102',
      state: { weights: [50, 50] },
      managedFields: [
        { manager: 'kubectl-edit', time: '2026-12-01T10:00:03Z' },
      ],
    });
    expect(d.verdict).toBe('not-applied');
  });

  it('says it cannot tell when the plugin wrote since but the split differs', () => {
    const d = decide({
      resourceVersion: '102',
      state: { weights: [50, 50] },
      managedFields: [{ manager: ME, time: '2026-12-01T10:00:03Z' }],
    });
    expect(d.verdict).toBe('undetermined');
    expect(d.message).toMatch(/^Not confirmed: .*may have been applied/);
  });

  it('says it cannot tell without managed fields, a resourceVersion before, or the object', () => {
    expect(
      decide({ resourceVersion: '102', state: { weights: [50, 50] } }).verdict,
    ).toBe('undetermined');
    expect(
      decide({ resourceVersion: '100', state: { weights: [90, 10] } }, '')
        .verdict,
    ).toBe('undetermined');
    const gone = decide(undefined);
    expect(gone.verdict).toBe('undetermined');
    expect(gone.message).toMatch(/no longer exists/);
  });
});
