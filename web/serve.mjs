#!/usr/bin/env node
// Dev server for the built page: node only, no dependencies.
//   node web/serve.mjs [DIST_DIR] [--port N]    (default build/wasm/dist, port 8080; 0 = any free port)
// Binds 127.0.0.1 only, sends correct MIME types (application/wasm lets the
// browser compile while downloading) and COOP/COEP headers (cross-origin
// isolation: a threaded build can use SharedArrayBuffer), prints the URL.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
let port = 8080;
let root = path.resolve(here, '..', 'build', 'wasm', 'dist');
for (let i = 0; i < args.length; ++i) {
  if (args[i] === '--port') port = Number(args[++i]);
  else root = path.resolve(args[i]);
}
if (!fs.existsSync(path.join(root, 'index.html'))) {
  console.error(`serve: ${root} has no index.html; build it first (bash scripts/demo.sh)`);
  process.exit(1);
}

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8', '.wgsl': 'text/plain; charset=utf-8',
  '.onnx': 'application/octet-stream', '.safetensors': 'application/octet-stream',
};

const server = http.createServer((req, res) => {
  const headers = {
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-cache',
  };
  let rel;
  try {
    rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  } catch {
    res.writeHead(400, headers).end('bad request\n');
    return;
  }
  if (rel.endsWith('/')) rel += 'index.html';
  const file = path.join(root, path.normalize(rel));
  if (file !== root && !file.startsWith(root + path.sep)) {  // no escaping the dist folder
    res.writeHead(403, headers).end('forbidden\n');
    return;
  }
  fs.stat(file, (err, st) => {
    if (err || !st.isFile()) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' })
        .end(`not found: ${rel}\n`);
      return;
    }
    res.writeHead(200, {
      ...headers,
      // The one-line embed's script is loaded by course pages on other origins.
      ...(rel === '/sinkscope-embed.js' ? { 'Cross-Origin-Resource-Policy': 'cross-origin' } : {}),
      'Content-Type': MIME[path.extname(file).toLowerCase()] || 'application/octet-stream',
      'Content-Length': st.size,
    });
    if (req.method === 'HEAD') { res.end(); return; }
    fs.createReadStream(file).pipe(res);
  });
});

server.listen(port, '127.0.0.1', () => {
  const { port: actual } = server.address();
  console.log(`sinkscope: serving ${root}`);
  console.log(`sinkscope: open http://127.0.0.1:${actual}/`);
});
