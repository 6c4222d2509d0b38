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

import { DatabaseService } from '@backstage/backend-plugin-api';
import { randomBytes } from 'node:crypto';
import { Knex, migratedClient } from './migrate';

const TABLE = 'istio_rollouts_secrets';
const SECRET_BYTES = 32;

/** Columns of istio_rollouts_secrets, as the drivers return them. */
type RawDbSecretRow = {
  name: string;
  secret: string;
  created_at: Date | number | string;
};

/**
 * Secrets the plugin makes for itself in its database, so that every
 * replica uses the same one and a restart keeps it, with nothing to
 * configure. The first replica to ask inserts a random secret; a concurrent
 * insert of another replica is ignored (the name is the primary key), and
 * both read back the row that won.
 */
export class DatabaseSecretStore {
  static async create(options: {
    database: DatabaseService;
  }): Promise<DatabaseSecretStore> {
    return new DatabaseSecretStore(await migratedClient(options.database));
  }

  private constructor(private readonly db: Knex) {}

  /** The secret of this name: 32 random bytes, made on first use. */
  async getOrCreate(name: string): Promise<Buffer> {
    await this.db<RawDbSecretRow>(TABLE)
      .insert({ name, secret: randomBytes(SECRET_BYTES).toString('base64') })
      .onConflict('name')
      .ignore();
    const row = await this.db<RawDbSecretRow>(TABLE)
      .where({ name })
      .first('secret');
    const secret = row && Buffer.from(row.secret, 'base64');
    if (!secret || secret.length < SECRET_BYTES) {
      throw new Error(
        `${TABLE} holds no ${SECRET_BYTES}-byte secret '${name}'; delete its row to make a new one`,
      );
    }
    return secret;
  }
}
