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

/*
 * A real, throwaway PostgreSQL server for database tests: Debian's
 * postgresql package, a fresh data directory in a temp folder, a free
 * loopback port, trust authentication (loopback only, test data only).
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres`
 * user. Plain CommonJS with Node built-ins, like ../cluster/cluster.js.
 *
 *   const { startPostgres } = require('./test/postgres/postgres.js');
 *   const pg = await startPostgres({ log });
 *   pg.connectionString  // postgresql://postgres@127.0.0.1:PORT
 *   await pg.stop();
 */
'use strict';

const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

function findBinDir() {
  const base = '/usr/lib/postgresql';
  if (!fs.existsSync(base)) return undefined;
  const versions = fs
    .readdirSync(base)
    .filter(v => fs.existsSync(path.join(base, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length
    ? { version: versions[0], bin: path.join(base, versions[0], 'bin') }
    : undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function asPostgresUser(command, args) {
  return process.getuid && process.getuid() === 0
    ? ['runuser', ['-u', 'postgres', '--', command, ...args]]
    : [command, args];
}

async function waitForPort(port, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`postgres exited with code ${child.exitCode}`);
    const ok = await new Promise(resolve => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(
        `postgres did not listen on ${port} within ${timeoutMs} ms`,
      );
    await new Promise(r => setTimeout(r, 100));
  }
}

/** The installed PostgreSQL, or an error that says how to install it. */
function requireBinDir() {
  const found = findBinDir();
  if (!found) {
    throw new Error(
      "PostgreSQL is not installed: run 'apt-get install postgresql' (./scripts/test does it when run as root)",
    );
  }
  return found;
}

/** A fresh cluster in `dir`/data, owned by postgres when run as root. */
function initDataDir(found, dir) {
  const data = path.join(dir, 'data');
  fs.mkdirSync(data);
  if (process.getuid && process.getuid() === 0) {
    execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  }
  const [initCmd, initArgs] = asPostgresUser(path.join(found.bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '--no-sync',
    '-E',
    'UTF8',
  ]);
  execFileSync(initCmd, initArgs, { stdio: 'ignore' });
  return data;
}

async function startPostgres({ log = () => {} } = {}) {
  const found = requireBinDir();
  const t0 = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'istio-rollouts-pg-'));
  const data = initDataDir(found, dir);
  const port = await freePort();
  const [cmd, args] = asPostgresUser(path.join(found.bin, 'postgres'), [
    '-D',
    data,
    '-p',
    String(port),
    '-h',
    '127.0.0.1',
    '-k',
    dir,
    // Test data is disposable: trade durability for speed.
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=200',
  ]);
  const logFile = path.join(dir, 'postgres.log');
  const out = fs.openSync(logFile, 'a');
  const child = spawn(cmd, args, {
    stdio: ['ignore', out, out],
    detached: true,
  });
  const kill = () => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  process.once('exit', kill);
  try {
    await waitForPort(port, child, 30_000);
  } catch (error) {
    kill();
    throw new Error(
      `${error.message}; log: ${fs.readFileSync(logFile, 'utf8').slice(-2000)}`,
    );
  }
  log(
    `PostgreSQL ${found.version} ready on 127.0.0.1:${port} in ${(
      (Date.now() - t0) /
      1000
    ).toFixed(1)}s`,
  );
  return {
    version: found.version,
    port,
    connectionString: `postgresql://postgres@127.0.0.1:${port}`,
    async stop() {
      process.removeListener('exit', kill);
      kill();
      await new Promise(resolve => {
        if (child.exitCode !== null) resolve();
        else child.once('exit', resolve);
        setTimeout(resolve, 10_000).unref();
      });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A PRIVATE PostgreSQL for fault tests, which may stop and start it without
 * disturbing the shared one: its own data directory and port, the same
 * settings as startPostgres. `stop({ mode })` stops the server but keeps
 * its data (`fast`: SIGINT, open sessions are terminated, as by an operator's
 * `pg_ctl stop -m fast`; `immediate`: SIGQUIT, a crash-like stop that needs
 * recovery at the next start); `start()` starts it again on the same port
 * with the same data; `destroy()` stops it and removes everything.
 *
 *   const pg = await startPrivatePostgres({ log });
 *   await pg.stop({ mode: 'fast' });
 *   await pg.start();
 *   await pg.destroy();
 */
async function startPrivatePostgres({ log = () => {} } = {}) {
  const found = requireBinDir();
  const dir = fs.mkdtempSync(
    path.join(os.tmpdir(), 'istio-rollouts-pg-private-'),
  );
  const data = initDataDir(found, dir);
  const port = await freePort();
  const logFile = path.join(dir, 'postgres.log');
  let child;

  // The postmaster itself (as root, `child` is runuser around it).
  const postmasterPid = () => {
    try {
      const pid = Number(
        fs
          .readFileSync(path.join(data, 'postmaster.pid'), 'utf8')
          .split('\n')[0],
      );
      return pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  const running = () =>
    child !== undefined && child.exitCode === null && child.signalCode === null;
  const killAll = () => {
    if (!running()) return;
    try {
      process.kill(-child.pid, 'SIGQUIT');
    } catch {
      // already gone
    }
  };

  async function start() {
    if (running()) return;
    const t0 = Date.now();
    const [cmd, args] = asPostgresUser(path.join(found.bin, 'postgres'), [
      '-D',
      data,
      '-p',
      String(port),
      '-h',
      '127.0.0.1',
      '-k',
      dir,
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=200',
    ]);
    const out = fs.openSync(logFile, 'a');
    child = spawn(cmd, args, { stdio: ['ignore', out, out], detached: true });
    fs.closeSync(out);
    try {
      await waitForPort(port, child, 30_000);
    } catch (error) {
      killAll();
      throw new Error(
        `${error.message}; log: ${fs
          .readFileSync(logFile, 'utf8')
          .slice(-2000)}`,
      );
    }
    log(
      `private PostgreSQL ${found.version} up on 127.0.0.1:${port} in ${(
        (Date.now() - t0) /
        1000
      ).toFixed(1)}s`,
    );
  }

  async function stop({ mode = 'fast' } = {}) {
    if (!running()) return;
    const exited = new Promise(resolve => child.once('exit', resolve));
    const pid = postmasterPid();
    try {
      process.kill(
        pid ?? child.pid,
        mode === 'immediate' ? 'SIGQUIT' : 'SIGINT',
      );
    } catch {
      // already gone
    }
    const timer = setTimeout(killAll, 15_000);
    await exited;
    clearTimeout(timer);
    log(`private PostgreSQL on ${port} stopped (${mode})`);
  }

  process.once('exit', killAll);
  await start();
  return {
    version: found.version,
    port,
    connectionString: `postgresql://postgres@127.0.0.1:${port}`,
    logFile,
    start,
    stop,
    async destroy() {
      process.removeListener('exit', killAll);
      await stop({ mode: 'immediate' }).catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { startPostgres, startPrivatePostgres };
