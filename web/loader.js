// Starts sinkscope in the page: fetches the wasm module and the model's three
// files with a progress bar, hands the model bytes to the module through its C
// API (src/platform/webapi.h), and turns any start-up failure into an overlay that
// says in words what went wrong and names the file. Text is only ever set
// with textContent (file names and messages may come from the URL).
'use strict';
(function () {
  const params = new URLSearchParams(location.search);
  const modelParam = params.get('model') || 'demo-lm';
  // ?hf=OWNER/NAME (&rev=, &hub=): a Hugging Face repo instead of a shipped
  // model; web/hub.js fetches it (progress per file, cancel, cache).
  const hfParam = params.get('hf');
  const $ = (id) => document.getElementById(id);
  const FETCH_ATTEMPTS = 3;
  const MAX_FILE_BYTES = 1073741824;  // wasm32 heap: matches kMaxModelBytes in src/model/safetensors.h
  // Right-click on the canvas belongs to the app (was an inline handler; the CSP allows none).
  $('canvas').addEventListener('contextmenu', (e) => e.preventDefault());
  // No keyboard trap. The module's GLFW listens for keys on the whole window
  // and keeps Tab for the app (it cycles panels), which would hold a keyboard
  // user inside the page, or inside an embedded frame for good. Escape twice
  // in a row takes the focus off the canvas (and out of the Tab order for the
  // next Tab, else Tab would land on it again); while the canvas does not
  // have the focus, Tab is the browser's again and moves on (out of the
  // frame, on a course page). Registered before the module's own listener,
  // so it runs first.
  let lastEscape = 0;
  window.addEventListener('keydown', (e) => {
    const canvas = $('canvas');
    if (e.key === 'Escape' && document.activeElement === canvas) {
      if (e.timeStamp - lastEscape < 1000) {
        canvas.tabIndex = -1;
        canvas.blur();
        lastEscape = 0;
      } else {
        lastEscape = e.timeStamp;
      }
    } else if (e.key === 'Tab' && document.activeElement !== canvas) {
      e.stopImmediatePropagation();
      setTimeout(() => { canvas.tabIndex = 0; }, 0);  // reachable again by Tab once the focus has moved on
    }
  }, true);

  // A page that embeds this one (web/sinkscope-embed.js) hears how start-up
  // goes: {sinkscope: 'loading' | 'ready' | 'error'}. Nothing else is sent.
  const tellParent = (msg) => {
    if (window.parent !== window) {
      try { window.parent.postMessage(msg, '*'); } catch (e) { /* a detached frame */ }
    }
  };
  tellParent({ sinkscope: 'loading' });
  // The ARIA live region follows what the canvas shows: the module hands over
  // its description whenever it changes (src/platform/webapi_embed.cpp).
  function describe(text) {
    const live = $('sr-description');
    if (live && live.textContent !== text) live.textContent = text;
  }

  let failed = false;
  function fail(title, text, file, hint) {
    if (failed) return;
    failed = true;
    $('loader').style.display = 'none';
    $('error-title').textContent = title;
    $('error-text').textContent = text;
    $('error-file').textContent = file || '(none)';
    $('error-hint').textContent = hint || '';
    $('error-overlay').style.display = 'flex';
    window.sinkscopeError = { title, text, file: file || '' };  // for tests and embedders
    tellParent({ sinkscope: 'error', title });
    console.error('sinkscope:', title, text, file || '');
  }
  window.addEventListener('error', (e) => fail('sinkscope stopped', String(e.message || e.error), ''));
  window.addEventListener('unhandledrejection', (e) =>
    fail('sinkscope stopped', String((e.reason && e.reason.message) || e.reason), ''));

  if (!hfParam && (!/^[A-Za-z0-9._-]+$/.test(modelParam) || modelParam.startsWith('.'))) {
    fail('Unknown model name', 'The address asks for the model "' + modelParam +
         '", which is not a valid model folder name (letters, digits, ".", "_" and "-" only).',
         '', 'Open the page without ?model= to get the default model.');
    return;
  }
  const modelDir = 'models/' + modelParam + '/';
  const modelFiles = ['config.json', 'tokenizer.json', 'model.safetensors'];

  // Progress: bytes received over bytes expected, across every file in flight.
  const progress = new Map();  // url -> {got, total}
  function showProgress() {
    let got = 0, total = 0;
    for (const p of progress.values()) { got += p.got; total += p.total || p.got; }
    const mb = (n) => (n / 1048576).toFixed(1);
    $('loader-fill').style.width = (total ? Math.min(100, 100 * got / total) : 0).toFixed(1) + '%';
    $('loader-detail').textContent = mb(got) + ' / ' + mb(total) + ' MB (module and model "' + modelParam + '")';
  }

  // One attempt: the whole body, or an Error (network error, HTTP status, or
  // a body that ended short of its Content-Length). `transient` errors are
  // worth retrying; a 404 is not.
  async function fetchOnce(url, what) {
    let resp;
    try {
      resp = await fetch(url, { cache: 'no-store' });
    } catch (err) {
      throw Object.assign(new Error('The network request for ' + url + ' failed (' + err.message +
        '). Is the server still running?'), { file: url, hint: what, transient: true });
    }
    if (!resp.ok) {
      throw Object.assign(new Error('The server answered ' + resp.status + ' ' + resp.statusText +
        ' for ' + url + '.'), { file: url, hint: what, transient: resp.status >= 500 || resp.status === 408 });
    }
    const total = Number(resp.headers.get('content-length')) || 0;
    // A model bigger than the wasm heap can hold is refused before downloading it.
    if (total > MAX_FILE_BYTES) {
      throw Object.assign(new Error(url + ' is ' + (total / 1073741824).toFixed(1) + ' GB; sinkscope in the ' +
        'browser holds at most ' + (MAX_FILE_BYTES / 1073741824).toFixed(1) + ' GB of model data.'),
        { file: url, hint: 'Use a smaller model, or the native app (sinkscope-app --model-dir).' });
    }
    const entry = { got: 0, total };
    progress.set(url, entry);
    if (!resp.body || !resp.body.getReader) {
      const buf = new Uint8Array(await resp.arrayBuffer());
      entry.got = buf.length; showProgress();
      return buf;
    }
    const reader = resp.body.getReader();
    const chunks = [];
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        entry.got += value.length;
        showProgress();
      }
    } catch (err) {
      throw Object.assign(new Error('The download of ' + url + ' broke off after ' + entry.got + ' of ' +
        (total || '?') + ' bytes (' + err.message + ').'), { file: url, hint: what, transient: true });
    }
    if (total && entry.got !== total) {
      throw Object.assign(new Error('The download of ' + url + ' ended after ' + entry.got + ' of ' + total +
        ' bytes.'), { file: url, hint: what, transient: true });
    }
    const out = new Uint8Array(entry.got);
    let off = 0;
    for (const c of chunks) { out.set(c, off); off += c.length; }
    return out;
  }

  // A download that fails mid-way (flaky Wi-Fi in a lecture hall) is retried
  // FETCH_ATTEMPTS times with a growing pause, saying so under the progress bar;
  // the last failure's message says how many attempts were made.
  async function fetchBytes(url, what) {
    for (let attempt = 1; ; ++attempt) {
      try {
        return await fetchOnce(url, what);
      } catch (err) {
        progress.delete(url);
        if (!err.transient || attempt >= FETCH_ATTEMPTS) {
          if (attempt > 1) err.message += ' (tried ' + attempt + ' times)';
          throw err;
        }
        window.sinkscopeRetries = (window.sinkscopeRetries || 0) + 1;  // for tests
        $('loader-detail').textContent = 'Download of ' + url + ' failed (' + err.message + '); retrying (' +
          (attempt + 1) + ' of ' + FETCH_ATTEMPTS + ')...';
        console.warn('sinkscope: retrying', url, 'after:', err.message);
        await new Promise((r) => setTimeout(r, 400 * attempt));
      }
    }
  }

  // WebGL2 is required; say so before downloading anything.
  if (!document.createElement('canvas').getContext('webgl2')) {
    fail('WebGL2 is not available', 'sinkscope draws with WebGL2, which this browser or this ' +
         'machine does not provide.', '', 'Enable hardware acceleration, or use a current Chrome, Firefox or Safari.');
    return;
  }

  const modelBytes = hfParam ? null : Promise.all(modelFiles.map((f) => fetchBytes(modelDir + f,
    'The model "' + modelParam + '" needs ' + modelFiles.join(', ') + ' in ' + modelDir +
    ' next to index.html. Check the model name in the address (?model=NAME) or rebuild dist with scripts/demo.sh.')));
  if (modelBytes) modelBytes.catch(() => {});  // reported where awaited

  let runtimeReady;
  const runtime = new Promise((resolve) => { runtimeReady = resolve; });
  // The threaded module needs shared memory, which browsers give only to a
  // cross-origin isolated page (COOP/COEP headers, as web/serve.mjs sends).
  // ?threads=1 asks for the single-threaded one anyway.
  const threaded = window.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function' &&
                   params.get('threads') !== '1';
  // A dist built without the threaded module (only the wasm preset) still
  // works: when sinkscope-mt.js is missing the plain module loads instead.
  let base = threaded ? 'sinkscope-mt' : 'sinkscope';
  const wasmHint = () => 'The page needs ' + base + '.js and ' + base + '.wasm next to index.html: ' +
                         'rebuild with bash scripts/demo.sh.';

  window.Module = {
    canvas: $('canvas'),
    print: (t) => console.log(t),
    printErr: (t) => console.warn(t),
    // Fetch the module ourselves for the progress bar and a precise error.
    instantiateWasm(imports, receive) {
      fetchBytes(base + '.wasm', wasmHint())
        .then((bytes) => WebAssembly.instantiate(bytes, imports))
        .then((r) => receive(r.instance, r.module))
        .catch((err) => fail('sinkscope could not start', err.file ? err.message :
          'The WebAssembly module ' + base + '.wasm could not be compiled: ' + err.message,
          err.file || base + '.wasm', err.hint || wasmHint()));
      return {};
    },
    onRuntimeInitialized: () => runtimeReady(),
    sinkscopeDescribe: describe,
    onAbort: (what) => fail('sinkscope stopped', 'The WebAssembly module aborted: ' + what, ''),
    sinkscopeFatal: (msg) => fail('sinkscope could not start', msg, ''),
  };

  const loadScript = () => {
    const script = document.createElement('script');
    script.src = base + '.js';
    script.onerror = () => {
      if (base === 'sinkscope-mt') {
        console.warn('sinkscope: sinkscope-mt.js is not here; using the single-threaded module');
        base = 'sinkscope';
        loadScript();
        return;
      }
      fail('sinkscope could not start', 'The script ' + base + '.js could not be loaded.', base + '.js', wasmHint());
    };
    document.body.appendChild(script);
  };
  loadScript();

  (async () => {
    if (hfParam) {
      await runtime;
      if (failed) return;
      $('loader-title').textContent = 'Opening ' + hfParam + ' from the Hub...';
      const r = await window.sinkscopeHub.openHub(hfParam, params.get('rev') || '', { startup: true });
      if (r.error) {
        fail(r.error.title, r.error.text, r.error.file, r.error.hint);
        return;
      }
      $('loader').style.display = 'none';
      $('canvas').focus();
      tellParent({ sinkscope: 'ready' });
      await startLesson(window.Module);
      return;
    }
    let bytes;
    try {
      bytes = await modelBytes;
    } catch (err) {
      fail('The model could not be loaded', err.message, err.file || modelDir, err.hint);
      return;
    }
    await runtime;
    if (failed) return;
    $('loader-title').textContent = 'Reading model "' + modelParam + '"...';
    const M = window.Module;
    M.ccall('ss_set_model_name', null, ['string'], [modelParam]);
    // Copy each file into wasm memory (freed right after: the model keeps its own copy).
    const ptrs = bytes.map((b) => { const p = M._malloc(Math.max(1, b.length)); M.HEAPU8.set(b, p); return p; });
    let err;
    try {
      err = M.ccall('ss_load_model', 'string',
        ['string', 'number', 'number', 'number', 'number', 'number', 'number'],
        [modelParam, ptrs[0], bytes[0].length, ptrs[1], bytes[1].length, ptrs[2], bytes[2].length]);
    } finally {
      ptrs.forEach((p) => M._free(p));
    }
    if (err) {
      fail('The model could not be read', err, modelDir,
           'The files were downloaded but are not a model sinkscope can read.');
      return;
    }
    $('loader').style.display = 'none';
    $('canvas').focus();
    tellParent({ sinkscope: 'ready' });
    await startLesson(M);
  })();

  // ?lesson=NAME opens lessons/NAME.json (shipped in dist/lessons/);
  // ?lesson=URL fetches a lesson from this host, or over https from another
  // host that allows it (CORS). The text goes to the app (ss_lesson_load),
  // which checks it against the model and shows any error on screen; a lesson
  // that fails leaves the explorer as it is.
  async function startLesson(M) {
    const lesson = params.get('lesson');
    if (!lesson) return;
    const report = (msg) => M.ccall('ss_lesson_report', null, ['string'], [msg]);
    const isName = /^[A-Za-z0-9._-]+$/.test(lesson) && !lesson.startsWith('.');
    let url;
    if (isName) {
      url = 'lessons/' + lesson + '.json';
    } else {
      try {
        url = new URL(lesson, location.href);
      } catch (e) {
        report('"' + lesson + '" is neither a lesson name (letters, digits, ".", "_", "-") nor a URL.');
        return;
      }
      if (url.protocol !== 'https:' && url.origin !== location.origin) {
        report('The lesson ' + url.href + ' must come from this host or over https.');
        return;
      }
      url = url.href;
    }
    let text;
    try {
      const resp = await fetch(url, { cache: 'no-store' });
      if (!resp.ok) throw new Error('the server answered ' + resp.status + ' ' + resp.statusText);
      if (Number(resp.headers.get('content-length')) > 1048576) throw new Error('it is over 1 MB');
      text = await resp.text();
    } catch (err) {
      report('The lesson "' + lesson + '" could not be downloaded from ' + url + ' (' + err.message + '). ' +
             (isName ? 'Shipped lessons: what-is-a-sink, catch-tag-release, averaging-lab.'
                     : 'A lesson on another host must be served over https with CORS allowing this page.'));
      return;
    }
    // Through the heap, not ccall's stack copy: a lesson may be up to 1 MB.
    const bytes = new TextEncoder().encode(text);
    const p = M._malloc(bytes.length + 1);
    M.HEAPU8.set(bytes, p);
    M.HEAPU8[p + bytes.length] = 0;
    let err;
    try {
      err = M.ccall('ss_lesson_load', 'string', ['number', 'string'], [p, lesson]);
    } finally {
      M._free(p);
    }
    if (err) console.warn('sinkscope: lesson:', err);
  }
})();
