// sinkscope's own small binding of today's WebGPU JS API, linked into the
// module with --js-library (Emscripten 3.1.6's webgpu.h is from 2022 and no
// longer matches browsers: docs/toolchain.md). The C++ side
// (src/backends/webgpu/) calls the ss_wgpu_* functions below with integer
// handles; nothing here ever blocks: device start-up and buffer readback are
// promises whose state C++ polls once a frame. Every wasm address is read
// `>>> 0` (unsigned): the headless module may grow past 2 GB (a 0.5B model's
// 16-bit weights), where a signed address would be negative.
//
// For pages and tests (after the module started):
//   Module.sinkscopeWebGPU.device            the GPUDevice (null until ready); a test
//                                            calls .device.destroy() to simulate a lost device
//   Module.sinkscopeWebGPU.state             0 starting, 1 ready, -1 no adapter/device, -2 lost
//   Module.sinkscopeWebGPU.fallback          true on a software adapter (SwiftShader)
//   Module.sinkscopeWebGPU.timeForward(ids, opts)
//       Times one whole WebGPU forward pass of the loaded model on the token
//       ids `ids` (array of integers; the model the app shows, or the one
//       given by ss_webgpu_load_model). Resolves to
//         { ms, cpu_ms, T, max_diff_logits }
//       ms: submit to results in wasm memory (uploads the weights on the
//       first call: call once to warm up); cpu_ms: the CPU backend on the
//       same ids, same thread; max_diff_logits: max |webgpu - cpu|.
//       opts.taps: comma-separated tap names to read back (default "logits";
//       "" = every tap). Rejects with the error in words. Under
//       --enable-unsafe-webgpu without a GPU, Chromium runs SwiftShader: the
//       numbers are then a software rasteriser's on the CPU, not a GPU's.

mergeInto(LibraryManager.library, {
  $SSGPU__postset: 'SSGPU.install();',
  $SSGPU: {
    adapter: null,
    device: null,
    state: 0,          // 0 starting, 1 ready, -1 failed to start, -2 lost
    fallback: false,   // a software adapter (SwiftShader)
    error: '',
    starting: false,
    objects: [null],   // handle -> GPUBuffer (0 = none)
    free: [],
    pipelines: {},     // name -> GPUComputePipeline (per device)
    byPtr: new Map(),  // the C name's address -> pipeline: names are string literals (gpu.cpp)
    // Every dispatch's 64 bytes of parameters, in slots of 256 bytes (the
    // uniform offset alignment) of 64 KB chunks that never move: the record
    // walk stages them in JS, and one writeBuffer per chunk goes up at submit
    // (not one per dispatch). Slot i is the i-th dispatch of a pass.
    uniforms: [],      // [{ buf: GPUBuffer, staging: Uint8Array, used: bytes staged }], 256 slots each
    uniformNext: 0,
    // Bind groups by (pipeline, slot, buffer handles): a pass over the same
    // buffers as the last (every keystroke) makes none. Cleared when a
    // buffer is destroyed (its handle may come back as another buffer).
    groups: new Map(),
    enc: null,
    pass: null,
    readbacks: {},     // ticket -> {state: 0 pending / 1 done / -1 failed, data, error}
    nextTicket: 1,
    install: function() {
      SSGPU.timeForward = function(ids, opts) { return SSGPU.runTimed(ids, opts || {}); };
      Module['sinkscopeWebGPU'] = SSGPU;
    },
    start: function() {
      if (SSGPU.starting || SSGPU.state === 1) return;
      SSGPU.starting = true;
      SSGPU.state = 0;
      SSGPU.error = '';
      const fail = function(msg) { SSGPU.state = -1; SSGPU.error = msg; SSGPU.starting = false; };
      if (typeof navigator === 'undefined' || !navigator.gpu) { fail('this browser has no WebGPU'); return; }
      navigator.gpu.requestAdapter().then(function(adapter) {
        if (!adapter) { fail('no WebGPU adapter'); return; }
        SSGPU.adapter = adapter;
        const info = adapter.info || {};
        // Software adapters (SwiftShader) emulate workgroup barriers: C++ then
        // picks barrier-free kernels (matmul_rows.wgsl).
        SSGPU.fallback = !!(adapter.isFallbackAdapter || info.isFallbackAdapter || info.architecture === 'swiftshader');
        const lim = adapter.limits;
        // Ask for what the adapter allows: weights of small models exceed the defaults.
        return adapter.requestDevice({ requiredLimits: {
          maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
          maxBufferSize: lim.maxBufferSize,
          maxStorageBuffersPerShaderStage: Math.min(8, lim.maxStorageBuffersPerShaderStage),
        } }).then(function(device) {
          SSGPU.device = device;
          SSGPU.pipelines = {};
          SSGPU.byPtr = new Map();
          SSGPU.uniforms = [];
          SSGPU.groups = new Map();
          SSGPU.state = 1;
          SSGPU.starting = false;
          device.lost.then(function(info) {
            if (SSGPU.device !== device) return;
            SSGPU.state = -2;
            // The app says "WebGPU device lost (<this>)": the browser's reason alone.
            SSGPU.error = (info && info.message) || (info && info.reason) || 'no reason given';
            SSGPU.device = null;
            for (const t in SSGPU.readbacks) {
              const r = SSGPU.readbacks[t];
              if (r.state === 0) { r.state = -1; r.error = SSGPU.error; }
            }
          });
          device.onuncapturederror = function(e) { console.error('WebGPU: ' + e.error.message); };
        });
      }).catch(function(e) { fail('WebGPU start failed: ' + e); });
    },
    buf: function(h) { return SSGPU.objects[h]; },
    endPass: function() { if (SSGPU.pass) { SSGPU.pass.end(); SSGPU.pass = null; } },
    pipeline: function(name, wgsl) {
      let p = SSGPU.pipelines[name];
      if (!p) {
        const module = SSGPU.device.createShaderModule({ code: wgsl, label: name });
        p = SSGPU.device.createComputePipeline({ layout: 'auto', compute: { module: module, entryPoint: 'main' }, label: name });
        SSGPU.pipelines[name] = p;
      }
      return p;
    },
    // Drives ss_webgpu_run / ss_webgpu_poll (src/platform/webapi_webgpu.cpp) without blocking.
    runTimed: function(ids, opts) {
      const taps = opts.taps === undefined ? 'logits' : opts.taps;
      const n = ids.length;
      const p = _malloc(4 * Math.max(1, n)) >>> 0;  // >>> 0: addresses past 2 GB (a 4 GB module) read unsigned
      HEAP32.set(Int32Array.from(ids), p >>> 2);
      const ok = Module.ccall('ss_webgpu_run', 'number', ['number', 'number', 'string'], [p, n, taps]);
      _free(p);
      if (!ok) return Promise.reject(new Error(Module.ccall('ss_webgpu_error', 'string', [], [])));
      return new Promise(function(resolve, reject) {
        const tick = function() {
          const st = Module.ccall('ss_webgpu_poll', 'number', [], []);
          if (st === 0) { setTimeout(tick, 1); return; }
          if (st < 0) { reject(new Error(Module.ccall('ss_webgpu_error', 'string', [], []))); return; }
          resolve({
            ms: Module.ccall('ss_webgpu_ms', 'number', [], []),
            cpu_ms: Module.ccall('ss_webgpu_cpu_ms', 'number', [], []),
            T: n,
            max_diff_logits: Module.ccall('ss_webgpu_max_diff', 'number', ['string'], ['logits']),
          });
        };
        tick();
      });
    },
  },

  ss_wgpu_present__deps: ['$SSGPU'],
  ss_wgpu_present: function() {
    return (typeof navigator !== 'undefined' && navigator.gpu) ? 1 : 0;
  },

  // Starts (or restarts after a loss) the adapter and device request.
  ss_wgpu_start__deps: ['$SSGPU'],
  ss_wgpu_start: function() {
    if (SSGPU.state === -2 || SSGPU.state === -1) { SSGPU.starting = false; SSGPU.state = 0; }
    SSGPU.start();
  },

  ss_wgpu_is_fallback__deps: ['$SSGPU'],
  ss_wgpu_is_fallback: function() { return SSGPU.fallback ? 1 : 0; },

  ss_wgpu_state__deps: ['$SSGPU'],
  ss_wgpu_state: function() { return SSGPU.state; },

  // The last error in words: written into `buf` (cap bytes, NUL-terminated).
  ss_wgpu_error__deps: ['$SSGPU'],
  ss_wgpu_error: function(buf, cap) { stringToUTF8(SSGPU.error || '', buf >>> 0, cap); },

  // usage: 0 storage (copy dst and src), 1 readback (map read, copy dst).
  ss_wgpu_buffer_create__deps: ['$SSGPU'],
  ss_wgpu_buffer_create: function(bytes, usage) {
    if (SSGPU.state !== 1) return 0;
    try {
      const u = usage === 1 ? (GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST)
                            : (GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC);
      const b = SSGPU.device.createBuffer({ size: Math.max(16, Math.ceil(bytes / 4) * 4), usage: u });
      const h = SSGPU.free.length ? SSGPU.free.pop() : SSGPU.objects.length;
      SSGPU.objects[h] = b;
      return h;
    } catch (e) { SSGPU.error = 'createBuffer: ' + e; return 0; }
  },

  ss_wgpu_buffer_destroy__deps: ['$SSGPU'],
  ss_wgpu_buffer_destroy: function(h) {
    const b = SSGPU.objects[h];
    if (!b) return;
    try { b.destroy(); } catch (e) {}
    SSGPU.objects[h] = null;
    SSGPU.free.push(h);
    SSGPU.groups.clear();
  },

  // Copies `bytes` bytes from wasm memory at `src` (now: queue.writeBuffer copies at once).
  ss_wgpu_buffer_write__deps: ['$SSGPU'],
  ss_wgpu_buffer_write: function(h, offset, src, bytes) {
    if (SSGPU.state !== 1 || !SSGPU.objects[h]) return;
    SSGPU.device.queue.writeBuffer(SSGPU.objects[h], offset, HEAPU8, src >>> 0, bytes);
  },

  ss_wgpu_begin__deps: ['$SSGPU'],
  ss_wgpu_begin: function() {
    if (SSGPU.state !== 1) return 0;
    SSGPU.device.pushErrorScope('validation');
    SSGPU.enc = SSGPU.device.createCommandEncoder();
    SSGPU.pass = null;
    SSGPU.uniformNext = 0;
    return 1;
  },

  // One compute dispatch: pipeline `name` (compiled from `wgsl` on first use),
  // 16 words of parameters at `params` (binding 0), `nbind` buffer handles
  // at `binds` (bindings 1..nbind), gx x gy workgroups.
  ss_wgpu_dispatch__deps: ['$SSGPU'],
  ss_wgpu_dispatch: function(name, wgsl, params, binds, nbind, gx, gy) {
    if (!SSGPU.enc) return;
    const dev = SSGPU.device;
    let pipe = SSGPU.byPtr.get(name);
    if (!pipe) {
      pipe = SSGPU.pipeline(UTF8ToString(name >>> 0), UTF8ToString(wgsl >>> 0));
      SSGPU.byPtr.set(name, pipe);
    }
    const slot = SSGPU.uniformNext++;
    const chunk = slot >> 8, off = (slot & 255) * 256;
    if (!SSGPU.uniforms[chunk])
      SSGPU.uniforms[chunk] = { buf: dev.createBuffer({ size: 65536, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }),
                                staging: new Uint8Array(65536), used: 0 };
    const u = SSGPU.uniforms[chunk];
    u.staging.set(HEAPU8.subarray(params >>> 0, (params >>> 0) + 64), off);
    u.used = off + 64;
    let key = name + ':' + slot;
    for (let i = 0; i < nbind; ++i) key += ',' + HEAP32[(binds >>> 2) + i];
    let group = SSGPU.groups.get(key);
    if (!group) {
      const entries = [{ binding: 0, resource: { buffer: u.buf, offset: off, size: 64 } }];
      for (let i = 0; i < nbind; ++i)
        entries.push({ binding: i + 1, resource: { buffer: SSGPU.objects[HEAP32[(binds >>> 2) + i]] } });
      group = dev.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries: entries });
      SSGPU.groups.set(key, group);
    }
    if (!SSGPU.pass) SSGPU.pass = SSGPU.enc.beginComputePass();
    SSGPU.pass.setPipeline(pipe);
    SSGPU.pass.setBindGroup(0, group);
    SSGPU.pass.dispatchWorkgroups(gx, gy, 1);
  },

  // Records a buffer-to-buffer copy (a tap into the readback buffer).
  ss_wgpu_copy__deps: ['$SSGPU'],
  ss_wgpu_copy: function(src, src_off, dst, dst_off, bytes) {
    if (!SSGPU.enc) return;
    SSGPU.endPass();
    SSGPU.enc.copyBufferToBuffer(SSGPU.objects[src], src_off, SSGPU.objects[dst], dst_off, bytes);
  },

  // Submits the recorded pass, then maps `readback` (a usage-1 buffer).
  // Returns a ticket for ss_wgpu_readback_state / _take; 0 = nothing started.
  ss_wgpu_submit_and_read__deps: ['$SSGPU'],
  ss_wgpu_submit_and_read: function(readback, bytes) {
    if (!SSGPU.enc) return 0;
    SSGPU.endPass();
    const dev = SSGPU.device;
    const ticket = SSGPU.nextTicket++;
    // performance.now() at submit, at the map's resolution and at the take:
    // where a pass's time goes (bench/gpu/run.mjs reads Module.sinkscopeGpuLast).
    const times = { submit_ms: performance.now(), submitted_ms: 0, mapped_ms: 0, taken_ms: 0, bytes: bytes };
    Module['sinkscopeGpuLast'] = times;
    const r = { state: 0, data: null, error: '', times: times };
    SSGPU.readbacks[ticket] = r;
    try {
      // The parameters of every dispatch recorded (ss_wgpu_dispatch), one write per chunk.
      for (const u of SSGPU.uniforms)
        if (u.used) dev.queue.writeBuffer(u.buf, 0, u.staging, 0, u.used), (u.used = 0);
      dev.queue.submit([SSGPU.enc.finish()]);
    } catch (e) { r.state = -1; r.error = 'submit: ' + e; }
    times.submitted_ms = performance.now();
    SSGPU.enc = null;
    const buf = SSGPU.objects[readback];
    const scope = dev.popErrorScope();
    if (r.state !== 0) return ticket;
    Promise.all([scope, buf.mapAsync(GPUMapMode.READ, 0, Math.ceil(bytes / 4) * 4)]).then(function(res) {
      if (res[0]) {
        r.state = -1;
        r.error = 'WebGPU validation: ' + res[0].message;
        try { buf.unmap(); } catch (e) {}
        return;
      }
      r.data = buf.getMappedRange(0, Math.ceil(bytes / 4) * 4).slice(0);
      buf.unmap();
      r.times.mapped_ms = performance.now();
      r.state = 1;
    }).catch(function(e) {
      if (r.state === 0) { r.state = -1; r.error = SSGPU.state === -2 ? SSGPU.error : 'readback: ' + e; }
    });
    return ticket;
  },

  // 0 pending, 1 done, -1 failed (ss_wgpu_readback_error says why).
  ss_wgpu_readback_state__deps: ['$SSGPU'],
  ss_wgpu_readback_state: function(ticket) {
    const r = SSGPU.readbacks[ticket];
    return r ? r.state : -1;
  },

  ss_wgpu_readback_error__deps: ['$SSGPU'],
  ss_wgpu_readback_error: function(ticket, buf, cap) {
    const r = SSGPU.readbacks[ticket];
    stringToUTF8(r ? r.error : 'unknown readback', buf >>> 0, cap);
  },

  // Copies a finished readback into wasm memory at `dst` (synchronously: the
  // HEAPU8 view read here is the current one even if memory grew meanwhile)
  // and forgets it. Returns the bytes copied.
  ss_wgpu_readback_take__deps: ['$SSGPU'],
  ss_wgpu_readback_take: function(ticket, dst, cap) {
    const r = SSGPU.readbacks[ticket];
    delete SSGPU.readbacks[ticket];
    if (!r || r.state !== 1) return 0;
    const n = Math.min(cap, r.data.byteLength);
    HEAPU8.set(new Uint8Array(r.data, 0, n), dst >>> 0);
    r.times.taken_ms = performance.now();
    return n;
  },

  ss_wgpu_readback_drop__deps: ['$SSGPU'],
  ss_wgpu_readback_drop: function(ticket) { delete SSGPU.readbacks[ticket]; },
});
