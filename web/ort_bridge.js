// ort_bridge.js: ONNX Runtime Web as sinkscope's second backend.
//
// A classic script, loaded on demand (src/backends/ort/ort_backend.cpp adds a
// <script src="ort_bridge.js"> the first time the ORT backend runs), so the
// page's own download does not grow. It defines window.sinkscopeOrt:
//
//   await sinkscopeOrt.run({model, ep, graph, ids, inputs, width})
//       model  folder name: fetches models/<model>/model.onnx (graph 'taps',
//              every panel's taps as outputs) or model.logits.onnx ('logits')
//       ep     'wasm' (default) or 'webgpu'
//       ids    Int32Array [T] (language models), or
//       inputs Float32Array [T * width] (averaging models, width = the config's input_width)
//     -> {outputs: [{name, dims, data: Float32Array}], ms}
//       ms = wall time of session.run() alone (the session is cached per
//       model, graph and ep; its creation is not counted)
//     A failure to create the session (no WebGPU adapter, missing export)
//     rejects with err.lost = true: the app then falls back to its CPU backend.
//
//   await sinkscopeOrt.time({model, ids, graph = 'logits', ep = 'wasm', runs = 1, warmup = 1})
//     -> {ms: [per run], median, threads, ep, graph}
//       For the benchmarks (BENCHMARKS.md): one session.run() on `ids`, timed with
//       performance.now(), after `warmup` untimed runs. From a test:
//         await page.addScriptTag({url: 'ort_bridge.js'});
//         await page.evaluate(() => sinkscopeOrt.time({model: 'demo-lm', ids: [0, 5, 9]}));
//
// ONNX Runtime Web comes from our own origin (dist/ort/, copied from npm
// onnxruntime-web by cmake/onnx.cmake; no CDN): ort.wasm.min.mjs for the wasm
// EP, ort.webgpu.min.mjs for WebGPU. One thread unless the page is
// cross-origin isolated (SharedArrayBuffer), then up to 4.
(function () {
  'use strict';
  const base = new URL('./', document.baseURI).href;
  const runtimes = {};  // ep -> Promise<ort module>
  const sessions = {};  // model|graph|ep -> Promise<InferenceSession>

  function runtime(ep) {
    if (!runtimes[ep]) {
      const file = ep === 'webgpu' ? 'ort.webgpu.min.mjs' : 'ort.wasm.min.mjs';
      runtimes[ep] = import(base + 'ort/' + file).then((ort) => {
        ort.env.wasm.wasmPaths = base + 'ort/';
        ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
        ort.env.wasm.proxy = false;
        return ort;
      });
    }
    return runtimes[ep];
  }

  function lost(e) {
    const err = e instanceof Error ? e : new Error(String(e));
    err.lost = true;
    return err;
  }

  async function session(model, graph, ep) {
    const key = model + '|' + graph + '|' + ep;
    if (!sessions[key]) {
      sessions[key] = (async () => {
        if (ep === 'webgpu' && !navigator.gpu) throw lost('WebGPU is not available in this browser');
        const ort = await runtime(ep);
        const url = base + 'models/' + encodeURIComponent(model) + '/' + (graph === 'logits' ? 'model.logits.onnx' : 'model.onnx');
        const res = await fetch(url);
        if (!res.ok) throw lost('ONNX export missing: ' + url + ' (HTTP ' + res.status + ')');
        const bytes = new Uint8Array(await res.arrayBuffer());
        const s = await ort.InferenceSession.create(bytes, { executionProviders: [ep], graphOptimizationLevel: 'all' });
        return { ort, s };
      })().catch((e) => {
        delete sessions[key];  // a later request may try again
        throw lost(e);
      });
    }
    return sessions[key];
  }

  function feeds(ort, req) {
    if (req.inputs) {
      const T = req.inputs.length / req.width;
      return { inputs: new ort.Tensor('float32', Float32Array.from(req.inputs), [T, req.width]) };
    }
    const ids = Int32Array.from(req.ids);
    return { input_ids: new ort.Tensor('int32', ids, [ids.length]) };
  }

  async function run(req) {
    const ep = req.ep || 'wasm', graph = req.graph || 'taps';
    const { ort, s } = await session(req.model, graph, ep);
    const f = feeds(ort, req);
    const t0 = performance.now();
    const r = await s.run(f);
    const ms = performance.now() - t0;
    const outputs = [];
    for (const name of s.outputNames) {
      const t = r[name];
      const data = t.location && t.location !== 'cpu' ? await t.getData() : t.data;
      outputs.push({ name, dims: Array.from(t.dims, Number), data: data instanceof Float32Array ? data : Float32Array.from(data) });
    }
    return { outputs, ms };
  }

  async function time(o) {
    const ep = o.ep || 'wasm', graph = o.graph || 'logits', runs = o.runs || 1, warmup = o.warmup === undefined ? 1 : o.warmup;
    const { ort, s } = await session(o.model, graph, ep);
    const f = feeds(ort, o);
    for (let i = 0; i < warmup; ++i) await s.run(f);
    const ms = [];
    for (let i = 0; i < runs; ++i) {
      const t0 = performance.now();
      await s.run(f);
      ms.push(performance.now() - t0);
    }
    const sorted = ms.slice().sort((a, b) => a - b);
    return { ms, median: sorted[sorted.length >> 1], threads: ort.env.wasm.numThreads, ep, graph };
  }

  window.sinkscopeOrt = { run, time };
})();
