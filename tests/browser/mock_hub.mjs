// A stand-in for the Hugging Face Hub for the browser suite (the Hub itself
// is out of reach in tests): serves tiny models under the Hub's file URLs,
// /OWNER/NAME/resolve/REV/FILE, the way the Hub answers them:
//   - config.json and tokenizer.json straight, with Content-Length;
//   - *.safetensors by a 302 to /cdn/... (the Hub's CDN redirect), then the bytes;
//   - 401 + X-Error-Code: GatedRepo for a gated repo, 404 + RepoNotFound for an
//     unknown one, RevisionNotFound for an unknown revision, EntryNotFound for a
//     missing file;
//   - CORS on every answer (the page is served from another port), with the
//     X-Error-Code header exposed.
// It counts every request (requests, per repo), so a test can check that a
// second visit asks nothing. Repos, all under OWNER "sinkscope":
//   tiny-chars          tests/data/models/tiny-chars, one model.safetensors
//   tiny-chars-sharded  the same weights split into two shards + an index
//   gated               401 for every file
//   no-tokenizer        config.json and weights, no tokenizer.json
//   mamba               a config.json with model_type "mamba"
//   slow                tiny-chars, its weights sent slowly, without Content-Length
//   huge                tiny-chars, its weights announced at 3 GB
//   huge-sharded        the sharded one, its index giving total_size 3 GB
//   bad-index           an index naming the shard "../evil.safetensors"
//   loop                every file redirects to itself
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { root } from './harness.mjs';

export const tinyDir = path.join(root, 'tests', 'data', 'models', 'tiny-chars');

// tiny-chars' weights in two shards, split as save_pretrained does (by tensor,
// in name order): embeddings and layer 0, then the rest. Byte-exact tensors.
export function shardTinyChars() {
  const buf = fs.readFileSync(path.join(tinyDir, 'model.safetensors'));
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  const data = buf.subarray(8 + n);
  const names = Object.keys(header).filter((k) => k !== '__metadata__').sort();
  const parts = [names.filter((k) => k < 'model.layers.1'), names.filter((k) => k >= 'model.layers.1')];
  const files = {};
  const weightMap = {};
  parts.forEach((list, i) => {
    const file = `model-0000${i + 1}-of-00002.safetensors`;
    const h = {};
    const chunks = [];
    let off = 0;
    for (const k of list) {
      const [a, b] = header[k].data_offsets;
      h[k] = { dtype: header[k].dtype, shape: header[k].shape, data_offsets: [off, off + (b - a)] };
      chunks.push(data.subarray(a, b));
      off += b - a;
      weightMap[k] = file;
    }
    const hs = Buffer.from(JSON.stringify(h), 'utf8');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(hs.length));
    files[file] = Buffer.concat([len, hs, ...chunks]);
  });
  const index = { metadata: { total_size: data.length }, weight_map: weightMap };
  return { files, index: Buffer.from(JSON.stringify(index, null, 2)) };
}

function repos(folders) {
  const read = (f) => fs.readFileSync(path.join(tinyDir, f));
  const tiny = { 'config.json': read('config.json'), 'tokenizer.json': read('tokenizer.json'),
                 'model.safetensors': read('model.safetensors') };
  const sharded = shardTinyChars();
  const mamba = Buffer.from(JSON.stringify({ model_type: 'mamba', hidden_size: 32, num_hidden_layers: 2, vocab_size: 96 }));
  const hugeIndex = JSON.parse(sharded.index.toString());
  hugeIndex.metadata.total_size = 3 * 2 ** 30;
  const badIndex = Buffer.from(JSON.stringify({ weight_map: { 'model.embed_tokens.weight': '../evil.safetensors' } }));
  return {
    'tiny-chars': { files: tiny },
    'tiny-chars-sharded': { files: { 'config.json': tiny['config.json'], 'tokenizer.json': tiny['tokenizer.json'],
                                     'model.safetensors.index.json': sharded.index, ...sharded.files } },
    gated: { gated: true, files: tiny },
    'no-tokenizer': { files: { 'config.json': tiny['config.json'], 'model.safetensors': tiny['model.safetensors'] } },
    mamba: { files: { ...tiny, 'config.json': mamba } },
    slow: { files: tiny, slow: true },
    huge: { files: tiny, huge: true },
    'huge-sharded': { files: { 'config.json': tiny['config.json'], 'tokenizer.json': tiny['tokenizer.json'],
                               'model.safetensors.index.json': Buffer.from(JSON.stringify(hugeIndex)), ...sharded.files } },
    'bad-index': { files: { 'config.json': tiny['config.json'], 'tokenizer.json': tiny['tokenizer.json'],
                            'model.safetensors.index.json': badIndex } },
    loop: { files: tiny, loop: true },
    // Any folder given to startMockHub (e.g. a large random checkpoint for timing), read as is.
    ...Object.fromEntries(Object.entries(folders).map(([name, dir]) => [name, {
      files: Object.fromEntries(fs.readdirSync(dir).filter((f) => fs.statSync(path.join(dir, f)).isFile())
        .map((f) => [f, fs.readFileSync(path.join(dir, f))])) }])),
  };
}

// Starts the mock Hub on a free port: {url, requests, count(repo), reset(), stop()}.
// folders: {NAME: DIR} serves DIR's files as sinkscope/NAME too.
export function startMockHub(folders = {}) {
  const all = repos(folders);
  const requests = [];  // {method, path}
  const cors = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers': 'X-Error-Code, X-Error-Message, Content-Length',
    'Cross-Origin-Resource-Policy': 'cross-origin',
  };
  const error = (res, status, code, msg) => {
    res.writeHead(status, { ...cors, 'Content-Type': 'text/plain', 'X-Error-Code': code, 'X-Error-Message': msg });
    res.end(msg + '\n');
  };
  const server = http.createServer((req, res) => {
    const p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    requests.push({ method: req.method, path: p });
    if (req.method === 'OPTIONS') { res.writeHead(204, { ...cors, 'Access-Control-Allow-Headers': '*' }); res.end(); return; }
    // The CDN: /cdn/REPO/FILE, where a safetensors file's redirect lands.
    let m = p.match(/^\/cdn\/([^/]+)\/([^/]+)$/);
    if (m) {
      const repo = all[m[1]];
      const bytes = repo && repo.files[m[2]];
      if (!bytes) { error(res, 404, 'EntryNotFound', 'no such object'); return; }
      if (repo.huge) {
        res.writeHead(200, { ...cors, 'Content-Type': 'application/octet-stream', 'Content-Length': String(3 * 2 ** 30) });
        res.write(bytes.subarray(0, 16));
        setTimeout(() => res.destroy(), 2000);
        return;
      }
      if (repo.slow) {
        // No Content-Length (chunked): the page shows an indeterminate bar.
        res.writeHead(200, { ...cors, 'Content-Type': 'application/octet-stream' });
        let off = 0;
        const step = () => {
          if (res.destroyed) return;
          if (off >= bytes.length) { res.end(); return; }
          res.write(bytes.subarray(off, off + 2048));
          off += 2048;
          setTimeout(step, 400);
        };
        step();
        return;
      }
      res.writeHead(200, { ...cors, 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.length) });
      res.end(bytes);
      return;
    }
    m = p.match(/^\/sinkscope\/([^/]+)\/resolve\/([^/]+)\/([^/]+)$/);
    if (!m) { error(res, 404, 'RepoNotFound', 'Repository not found'); return; }
    const [, name, rev, file] = m;
    const repo = all[name];
    if (!repo) { error(res, 404, 'RepoNotFound', 'Repository not found'); return; }
    if (repo.gated) { error(res, 401, 'GatedRepo', 'Access to model sinkscope/' + name + ' is restricted.'); return; }
    if (rev !== 'main') { error(res, 404, 'RevisionNotFound', 'Invalid rev id: ' + rev); return; }
    if (repo.loop) { res.writeHead(302, { ...cors, Location: req.url }); res.end(); return; }
    const bytes = repo.files[file];
    if (!bytes) { error(res, 404, 'EntryNotFound', 'Entry not found'); return; }
    if (file.endsWith('.safetensors')) {
      res.writeHead(302, { ...cors, Location: `/cdn/${name}/${file}` });
      res.end();
      return;
    }
    res.writeHead(200, { ...cors, 'Content-Type': 'application/json', 'Content-Length': String(bytes.length) });
    res.end(bytes);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const url = `http://127.0.0.1:${server.address().port}`;
      resolve({
        url,
        requests,
        count: (repo) => requests.filter((r) => r.path.startsWith(`/sinkscope/${repo}/`) || r.path.startsWith(`/cdn/${repo}/`)).length,
        reset: () => { requests.length = 0; },
        stop: () => { server.closeAllConnections?.(); server.close(); },
      });
    });
  });
}
