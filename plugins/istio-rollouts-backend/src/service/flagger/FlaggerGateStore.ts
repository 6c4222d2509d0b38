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

import type { FlaggerGate } from '@istio-rollouts/plugin-istio-rollouts-common';

/** One Canary, as the gate tables key it. */
export interface CanaryKey {
  cluster: string;
  namespace: string;
  canary: string;
}

/** The last call of Flagger to one gate of a Canary. */
export interface GateCall extends CanaryKey {
  gate: FlaggerGate;
  /** The checksum Flagger sent. */
  revision: string;
  /** canaryRevisionKey() of the plugin's copy of the Canary at the call. */
  revisionKey?: string;
  phase: string;
  answeredOpen: boolean;
  /** ISO time. */
  calledAt: string;
}

/** A gate opened for a revision (and, traffic increase, a weight). */
export interface GateOpening extends CanaryKey {
  id: string;
  gate: FlaggerGate;
  revision: string;
  /** confirm-traffic-increase only: status.canaryWeight when opened. */
  canaryWeight?: number;
  openedBy: string;
  /** ISO time. */
  openedAt: string;
  reason?: string;
}

/** What opening a gate writes. */
export type NewGateOpening = Omit<GateOpening, 'id' | 'openedAt'> & {
  openedAt: Date;
};

/**
 * Where Flagger's calls and people's openings of the webhook gates are
 * kept, shared by every replica.
 */
export interface FlaggerGateStore {
  /** Keeps `call` as the gate's last call (one row per gate, replaced). */
  recordCall(
    call: Omit<GateCall, 'calledAt'> & { calledAt: Date },
  ): Promise<void>;

  /** The gate's last call, if Flagger ever called it. */
  getCall(
    key: CanaryKey & { gate: FlaggerGate },
  ): Promise<GateCall | undefined>;

  /** The openings of one gate for one revision. */
  openings(
    key: CanaryKey & { gate: FlaggerGate; revision: string },
  ): Promise<GateOpening[]>;

  /**
   * Every gate's last call with the openings for the revision of that
   * call, in one query.
   */
  describe(
    key: CanaryKey,
  ): Promise<Array<{ call: GateCall; openings: GateOpening[] }>>;

  /**
   * Opens a gate. Opening it again (or concurrently, from another replica)
   * for the same revision and weight keeps the first opening, which is
   * returned with `created: false`.
   */
  open(
    opening: NewGateOpening,
  ): Promise<{ opening: GateOpening; created: boolean }>;
}
