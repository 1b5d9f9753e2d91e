#!/usr/bin/env node
// Client load on a Redis Cluster through a real Node.js cluster client, with
// its normal cluster settings (it follows MOVED and ASK by itself): writes
// fresh unique keys (SET PREFIX<i>) and reads back earlier acknowledged ones
// (GET), one operation at a time per worker (LOAD_IN_FLIGHT), until STOP_FILE exists (or LOAD_DEADLINE_S passed).
// Creates READY_FILE once the first 200 writes were tried. Then reads every
// acknowledged write back and prints ONE JSON object on stdout:
//   {"client", "writes", "reads", "acked", "errors", "wrong", "lost", "p99_ms", "max_ms",
//    "first_error", "error_log"}
// error_log holds the first 10 errors as "ISO-time operation: error", to be
// lined up with the agent's or engine's log.
// Every rejected promise, thrown exception or client 'error' event counts in
// `errors` (the first one's text is kept): no retry wrapper, nothing swallowed.
// A key whose read-back fails during the final check counts in `errors` and in
// `lost` (it could not be shown to be there). When an operation is still
// pending 30 s after the deadline, that counts as an error too: the JSON is
// printed with what was counted so far and the exit code is 1. Same contract as
// tests/integration/engine/cluster_load.py.
//
// usage: node cluster_load.js --client ioredis|glide HOST PORT PREFIX READY_FILE STOP_FILE
// env:   LOAD_PASSWORD  the cluster's password (AUTH), when it has one
//        LOAD_RATE      writes per second (plus a read every second write); unset: flat out
//        LOAD_DEADLINE_S  stop by itself after this many seconds (default 120)
//        LOAD_IN_FLIGHT   operations in flight at once (default 1): that many workers,
//                         each one operation at a time, sharing the key numbers
//        LOAD_GLIDE_LOG   glide only: write glide core's own log (level info) to this file
// glide keeps its own default request timeout (250 ms): a request that waits longer
// is an error like any other. `max_ms` in the JSON shows the longest wait.
'use strict';

const fs = require('fs');
const path = require('path');

// A bound of its own (LOAD_DEADLINE_S, default 120 s) so that it always ends.
const DEADLINE_MS = Number(process.env.LOAD_DEADLINE_S || 120) * 1000;
// An operation that never settles (ioredis queues commands while it has no
// connection to the slot's node, without a limit) must not hang the test.
const HANG_GRACE_MS = 30000;
const READY_AFTER = 200;
const CHECK_CONCURRENCY = 100;

function usage(message) {
  process.stderr.write(`${message}\nusage: node cluster_load.js --client ioredis|glide ` +
                       'HOST PORT PREFIX READY_FILE STOP_FILE\n');
  process.exit(2);
}

function parseArgs(argv) {
  let client = '';
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--client') {
      client = argv[++i] || '';
    } else if (argv[i].startsWith('--client=')) {
      client = argv[i].slice('--client='.length);
    } else {
      rest.push(argv[i]);
    }
  }
  if (client !== 'ioredis' && client !== 'glide') {
    usage(`--client must be ioredis or glide, not '${client}'`);
  }
  if (rest.length !== 5) usage(`expected 5 arguments after --client, got ${rest.length}`);
  const port = Number(rest[1]);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) usage(`bad port '${rest[1]}'`);
  return {client, host: rest[0], port, prefix: rest[2], readyFile: rest[3], stopFile: rest[4]};
}

// The installed version of a package (read from its package.json: glide's
// "exports" does not expose it to require()).
function installedVersion(name) {
  try {
    const file = path.join(__dirname, 'node_modules', name, 'package.json');
    return JSON.parse(fs.readFileSync(file, 'utf8')).version;
  } catch (e) {
    return '?';
  }
}

// Both clients behind one small interface: set/get return promises, close ends
// every connection so the process can exit by itself.
async function connectIoredis(host, port, password, onError) {
  const Redis = require('ioredis');
  const cluster = new Redis.Cluster([{host, port}], {redisOptions: password ? {password} : {}});
  cluster.on('error', onError);
  cluster.on('node error', (err, address) => {
    // A node that failed to answer a slots refresh; the cluster client goes on
    // with another node. Shown, not counted: an operation that fails because
    // of it is counted by its own rejection.
    process.stderr.write(`ioredis node error ${address}: ${err && err.message}\n`);
  });
  return {
    name: `ioredis ${installedVersion('ioredis')}`,
    set: (key, value) => cluster.set(key, value),
    get: (key) => cluster.get(key),
    close: async () => {
      await cluster.quit();
    },
  };
}

async function connectGlide(host, port, password) {
  const {GlideClusterClient, Logger} = require('@valkey/valkey-glide');
  // Glide's core logs to stdout by default; errors reach us as rejections.
  if (process.env.LOAD_GLIDE_LOG) {
    Logger.setLoggerConfig('info', process.env.LOAD_GLIDE_LOG);
  } else {
    Logger.setLoggerConfig('off');
  }
  const config = {addresses: [{host, port}]};
  if (password) config.credentials = {password};
  const client = await GlideClusterClient.createClient(config);
  return {
    name: `glide ${installedVersion('@valkey/valkey-glide')}`,
    set: (key, value) => client.set(key, value),
    get: (key) => client.get(key),
    close: async () => {
      client.close();
    },
  };
}

function p99(samples) {
  if (samples.length === 0) return 0;
  const s = Float64Array.from(samples).sort();
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))];
}

// Whether a GET's reply is the value SET for key number i (both clients
// return strings by default; null for a missing key).
function holds(value, i) {
  return value !== null && value !== undefined && String(value) === String(i);
}

function errorText(e) {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const password = process.env.LOAD_PASSWORD || '';
  const stats = {errors: 0, firstError: '', log: []};
  let pending = '';  // the operation awaited now, for the watchdog's message and the error log
  const countError = (e) => {
    stats.errors++;
    if (!stats.firstError) stats.firstError = errorText(e);
    if (stats.log.length < 10) {
      stats.log.push(`${new Date().toISOString()} ${pending || '-'}: ${errorText(e)}`);
    }
  };
  process.on('unhandledRejection', countError);
  process.on('uncaughtException', countError);

  let client;
  try {
    client = args.client === 'ioredis'
                 ? await connectIoredis(args.host, args.port, password, countError)
                 : await connectGlide(args.host, args.port, password);
  } catch (e) {
    countError(e);
    fs.writeFileSync(args.readyFile, '');  // let the test see the failure now
    print({client: args.client, writes: 0, reads: 0, acked: 0, errors: stats.errors, wrong: 0,
           lost: 0, p99_ms: 0, first_error: stats.firstError, error_log: stats.log});
    process.exitCode = 1;
    return;
  }

  const acked = [];
  const latencies = [];
  let writes = 0, reads = 0, wrong = 0, lost = 0;
  const deadline = Date.now() + DEADLINE_MS;
  const result = () => ({client: client.name, writes, reads, acked: acked.length,
                         errors: stats.errors, wrong, lost,
                         p99_ms: Math.round(p99(latencies) * 1000) / 1000,
                         max_ms: Math.round(latencies.reduce((a, b) => Math.max(a, b), 0) * 1000) / 1000,
                         first_error: stats.firstError, error_log: stats.log});
  setTimeout(() => {
    countError(`still waiting for ${pending} ${HANG_GRACE_MS / 1000} s after the ` +
               `${DEADLINE_MS / 1000} s deadline`);
    print(result());
    process.exit(1);
  }, DEADLINE_MS + HANG_GRACE_MS).unref();
  const rate = Number(process.env.LOAD_RATE || 0);
  const pacedFrom = Date.now();
  let next = 0;  // the next key number, shared by the workers
  // One worker: its operations one at a time; LOAD_IN_FLIGHT workers run at
  // once, so that many requests are in flight on the client's connections.
  const worker = async () => {
    while (!fs.existsSync(args.stopFile) && Date.now() < deadline) {
      const i = next++;
      const ahead = rate > 0 ? pacedFrom + (i * 1000) / rate - Date.now() : 0;
      if (ahead > 0) await new Promise((resolve) => setTimeout(resolve, ahead));
      const key = args.prefix + i;
      let t0 = process.hrtime.bigint();
      pending = `SET ${key}`;
      try {
        const reply = await client.set(key, String(i));
        if (reply === 'OK') acked.push(i);
        writes++;
      } catch (e) {
        countError(e);
      }
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (acked.length > 0 && (i + 1) % 2 === 0) {
        const j = acked[Math.floor(Math.random() * acked.length)];
        t0 = process.hrtime.bigint();
        pending = `GET ${args.prefix + j}`;
        try {
          const value = await client.get(args.prefix + j);
          reads++;
          if (!holds(value, j)) wrong++;
        } catch (e) {
          countError(e);
        }
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      if (i + 1 === READY_AFTER) fs.writeFileSync(args.readyFile, '');
    }
  };
  const inFlight = Math.max(1, Number(process.env.LOAD_IN_FLIGHT || 1));
  await Promise.all(Array.from({length: inFlight}, worker));

  // Every acknowledged write, read back (a bounded number in flight at once).
  for (let start = 0; start < acked.length; start += CHECK_CONCURRENCY) {
    const chunk = acked.slice(start, start + CHECK_CONCURRENCY);
    pending = `the check's GET ${args.prefix + chunk[0]} and ${chunk.length - 1} more`;
    const results = await Promise.allSettled(chunk.map((j) => client.get(args.prefix + j)));
    results.forEach((r, k) => {
      if (r.status === 'rejected') countError(r.reason);
      if (r.status === 'rejected' || !holds(r.value, chunk[k])) lost++;
    });
  }

  pending = 'the client to close';
  try {
    await client.close();
  } catch (e) {
    countError(e);
  }
  print(result());
}

function print(result) {
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((e) => {
  process.stderr.write(`cluster_load.js: ${e && e.stack || e}\n`);
  process.exitCode = 1;
});
