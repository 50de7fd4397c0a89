// Opening a model the page does not ship: a Hugging Face repo by id
// (?hf=OWNER/NAME&rev=REV&hub=HOST, or "open model..." in the toolbar), or
// files and folders from disk (the toolbar's dialog, or dropped on the page).
// This file only moves bytes: which URL to fetch, what each answer of the Hub
// means, which dropped file is which and whether the model fits are decided
// in the module (src/platform/webapi.h, group 17; src/model/hub.h,
// src/model/file_set.h), which also loads the staged files. A failed open
// keeps the model that was there and says why in the page's overlay.
//
// Cache: Cache Storage "sinkscope-hub-v1", one entry per file keyed by its
// resolve URL (HUB/OWNER/NAME/resolve/REV/FILE: hub, repo, revision and file),
// plus a list of the model's files under that base URL + "?sinkscope-files",
// written only once the model has loaded. With that list and every file in
// the cache, the next open makes no request to the hub at all.
// No access token is ever sent or put in a URL (fetch with credentials
// 'omit'); a gated repo is explained, not worked around.
// Text is only ever set with textContent.
'use strict';
(function () {
  const CACHE = 'sinkscope-hub-v1';
  const $ = (id) => document.getElementById(id);
  const M = () => window.Module;
  const params = new URLSearchParams(location.search);
  let busy = null;  // the open in flight: {ctl: AbortController}
  // For tests: every progress step, and the outcome of the last open.
  window.sinkscopeHubLog = [];
  window.sinkscopeOpenError = null;

  const Cancelled = { cancelled: true };

  // ---- the module's C API (group 17) ----------------------------------------

  const call = (fn, ret, types, args) => M().ccall(fn, ret, types, args);
  const jsonCall = (fn, types, args) => JSON.parse(call(fn, 'string', types, args));
  // A long text goes through the heap, not ccall's stack copy.
  function withText(text, f) {
    const bytes = new TextEncoder().encode(text);
    const p = M()._malloc(bytes.length + 1);
    M().HEAPU8.set(bytes, p);
    try { return f(p, bytes.length); } finally { M()._free(p); }
  }
  // Hands the bytes to the module, which owns (and frees) the copy.
  function stage(name, bytes) {
    const p = M()._malloc(Math.max(1, bytes.length));
    if (!p) throw { title: 'Out of memory', text: 'The page could not make room for ' + name + ' (' + bytes.length + ' bytes).', file: name };
    M().HEAPU8.set(bytes, p);
    if (!call('ss_stage_file', 'number', ['string', 'number', 'number'], [name, p, bytes.length])) {
      throw { title: 'The model could not be read', text: 'The module refused the file ' + name + '.', file: name };
    }
  }
  const mb = (n) => (n < 1048576 ? (n / 1024).toFixed(1) + ' KB' : (n / 1048576).toFixed(1) + ' MB');

  // ---- the progress panel: one row per file, and a cancel button ---------------

  function panelStart(title) {
    let panel = $('hub-panel');
    if (!panel) {
      panel = document.createElement('div');
      panel.id = 'hub-panel';
      panel.setAttribute('role', 'status');
      panel.setAttribute('aria-live', 'polite');
      const t = document.createElement('div');
      t.id = 'hub-title';
      const rows = document.createElement('div');
      rows.id = 'hub-files';
      const cancel = document.createElement('button');
      cancel.id = 'hub-cancel';
      cancel.type = 'button';
      cancel.textContent = 'Cancel';
      cancel.title = 'Stop the download; the model shown now stays.';
      cancel.addEventListener('click', () => window.sinkscopeHub.cancel());
      panel.append(t, rows, cancel);
      document.body.appendChild(panel);
    }
    $('hub-title').textContent = title;
    $('hub-files').replaceChildren();
    panel.dataset.state = 'loading';
    panel.style.display = 'block';
  }
  function panelEnd(state) {
    const panel = $('hub-panel');
    if (!panel) return;
    panel.dataset.state = state;
    panel.style.display = 'none';
  }
  // A row for `file`; update(got, total) with total 0 = unknown (an
  // indeterminate bar: a <progress> without a value).
  function panelRow(file) {
    const row = document.createElement('div');
    row.className = 'hub-file';
    row.dataset.file = file;
    const name = document.createElement('span');
    name.textContent = file;
    const bar = document.createElement('progress');
    const text = document.createElement('small');
    text.textContent = 'waiting';
    row.append(name, bar, text);
    $('hub-files').appendChild(row);
    return {
      update(got, total, how) {
        if (total > 0) { bar.max = total; bar.value = Math.min(got, total); } else bar.removeAttribute('value');
        text.textContent = how || (mb(got) + (total > 0 ? ' / ' + mb(total) : ' (size unknown)'));
        window.sinkscopeHubLog.push({ file, got, total, how: how || '' });
      },
    };
  }

  // ---- errors: the page's overlay, closable when a model is still shown -------

  function report(err, opts, quiet = false) {
    const e = {
      title: err.title || 'The model could not be opened',
      text: err.text || String(err.message || err),
      file: err.file || '',
      hint: err.hint || '',
      kind: err.kind || '',
    };
    window.sinkscopeOpenError = e;
    console.warn('sinkscope: open model:', e.title, e.text);
    if (opts.startup || quiet) return { error: e };  // at start-up loader.js shows it
    $('error-title').textContent = e.title;
    $('error-text').textContent = e.text;
    $('error-file').textContent = e.file || '(none)';
    const kept = call('ss_ready', 'number', [], []) ? ' The model shown before is still open.' : '';
    $('error-hint').textContent = e.hint + kept;
    const close = $('error-close');
    close.hidden = false;
    close.onclick = () => { $('error-overlay').style.display = 'none'; close.hidden = true; $('canvas').focus(); };
    $('error-overlay').style.display = 'flex';
    close.focus();
    return { error: e };
  }

  // ---- the Hub -----------------------------------------------------------------

  async function openCache() {
    try { return window.caches ? await caches.open(CACHE) : null; } catch (e) { return null; }
  }

  // The model's files from the cache, or null when any is missing.
  async function fromCache(cache, ref) {
    if (!cache) return null;
    const list = await cache.match(ref.base + '?sinkscope-files');
    if (!list) return null;
    let names;
    try { names = await list.json(); } catch (e) { return null; }
    if (!Array.isArray(names) || !names.length) return null;
    const files = [];
    for (const name of names) {
      const r = await cache.match(ref.base + name);
      if (!r) return null;
      files.push({ name: String(name), bytes: new Uint8Array(await r.arrayBuffer()) });
    }
    return files;
  }

  async function openHub(repo, rev, opts = {}) {
    if (busy) return report({ title: 'Another model is being opened', text: 'Wait for it, or cancel it first.' }, opts);
    const hub = opts.hub !== undefined ? opts.hub : (params.get('hub') || '');
    const ref = jsonCall('ss_hub_ref', ['string', 'string', 'string'], [repo || '', rev || '', hub]);
    if (ref.error) {
      return report({ title: 'Not a Hugging Face repo id', text: ref.error, file: repo,
                      hint: 'The address takes ?hf=OWNER/NAME, optionally &rev=BRANCH-TAG-OR-COMMIT and &hub=https://MIRROR.' }, opts);
    }
    const ctl = new AbortController();
    busy = { ctl };
    window.sinkscopeOpenError = null;
    panelStart('Opening ' + ref.repo + ' (' + ref.rev + ') from ' + ref.hub);
    call('ss_stage_clear', null, [], []);
    const cache = await openCache();
    let state = 'failed';
    try {
      let files = await fromCache(cache, ref);
      const cached = !!files;
      if (cached) {
        for (const f of files) { stage(f.name, f.bytes); panelRow(f.name).update(f.bytes.length, f.bytes.length, 'from the browser cache'); }
        files = files.map((f) => f.name);
        // A cached config passed its check before; the load below checks again.
      } else {
        files = await download(ref, ctl.signal, cache);
      }
      if (ctl.signal.aborted) throw Cancelled;
      if (opts.startup) call('ss_set_model_name', null, ['string'], [ref.repo]);
      const err = call('ss_stage_load', 'string', ['string', 'string', 'string', 'string'], [ref.repo, ref.repo, ref.rev, ref.hub]);
      if (err) {
        if (cache) {  // nothing that failed is opened from the cache again
          await cache.delete(ref.base + '?sinkscope-files');
          if (!cached) for (const f of files) await cache.delete(ref.base + f);
        }
        throw { title: 'The model could not be read', text: err, file: ref.repo,
                hint: 'The files were downloaded but are not a model sinkscope can read.' };
      }
      if (cache && !cached) {
        await cache.put(ref.base + '?sinkscope-files', new Response(JSON.stringify(files),
          { headers: { 'Content-Type': 'application/json' } }));
      }
      state = 'done';
      window.sinkscopeHubLoaded = { repo: ref.repo, rev: ref.rev, hub: ref.hub, cached, files };
      return { ok: true, cached };
    } catch (err) {
      if (err === Cancelled || ctl.signal.aborted) {
        state = 'cancelled';
        // At start-up there is nothing else to show (loader.js says so); in a
        // running page the model shown stays and no overlay is needed.
        return report({ title: 'Download cancelled', kind: 'cancelled',
                        text: 'The download of ' + ref.repo + ' was cancelled.', file: ref.repo,
                        hint: 'Reload the page to try again, or open it without ?hf= for the shipped model.' },
                      opts, /*quiet=*/true);
      }
      return report(err, opts);
    } finally {
      call('ss_stage_clear', null, [], []);
      busy = null;
      panelEnd(state);
    }
  }

  // Fetches config.json (checked before anything else is fetched),
  // tokenizer.json, then model.safetensors.index.json and its shards, or
  // model.safetensors; stages each. Returns the file names.
  async function download(ref, signal, cache) {
    const max = call('ss_max_model_bytes', 'number', [], []);
    let weightBytes = 0;
    const judge = (file, status, len, code) => jsonCall('ss_hub_judge',
      ['string', 'string', 'string', 'string', 'number', 'number', 'number', 'string'],
      [ref.repo, ref.rev, ref.hub, file, status, len, weightBytes, code || '']);
    const fail = (v, file) => ({ title: v.title, text: v.text, hint: v.hint, kind: v.kind, file: ref.base + file });

    async function get(file, optional) {
      const row = panelRow(file);
      row.update(0, 0, 'asking the hub');
      let resp;
      try {
        resp = await fetch(ref.base + file, { signal, cache: 'no-store', credentials: 'omit', redirect: 'follow' });
      } catch (err) {
        if (signal.aborted) throw Cancelled;
        throw fail(judge(file, 0, -1, ''), file);
      }
      const lenHeader = resp.headers.get('content-length');
      const total = lenHeader === null ? -1 : Number(lenHeader);
      const v = judge(file, resp.status, total, resp.headers.get('x-error-code'));
      if (!v.ok) {
        if (resp.body) resp.body.cancel().catch(() => {});  // a refused file is not downloaded
        if (optional && v.kind === 'file_missing') { row.update(0, 0, 'not in the repo'); return null; }
        throw fail(v, file);
      }
      const chunks = [];
      let got = 0;
      row.update(0, total > 0 ? total : 0);
      try {
        const reader = resp.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          chunks.push(value);
          got += value.length;
          row.update(got, total > 0 ? total : 0);
          // Without a Content-Length the size is checked as it comes.
          if (file.endsWith('.safetensors') && weightBytes + got > max) {
            const big = judge(file, resp.status, got, '');
            if (!big.ok) { reader.cancel(); throw fail(big, file); }
          }
        }
      } catch (err) {
        if (signal.aborted) throw Cancelled;
        if (err && err.title) throw err;
        throw { title: 'The download broke off', file: ref.base + file,
                text: 'The download of ' + file + ' of ' + ref.repo + ' broke off after ' + got + ' bytes (' + err.message + ').',
                hint: 'Check the connection, then try again.' };
      }
      if (total > 0 && got !== total) {
        throw { title: 'The download broke off', file: ref.base + file,
                text: 'The download of ' + file + ' of ' + ref.repo + ' ended after ' + got + ' of ' + total + ' bytes.',
                hint: 'Check the connection, then try again.' };
      }
      const bytes = new Uint8Array(got);
      let off = 0;
      for (const c of chunks) { bytes.set(c, off); off += c.length; }
      row.update(got, got, mb(got) + ' done');
      if (file.endsWith('.safetensors')) weightBytes += got;
      stage(file, bytes);
      if (cache) {
        try { await cache.put(ref.base + file, new Response(bytes, { headers: { 'Content-Length': String(got) } })); }
        catch (e) { console.warn('sinkscope: could not cache', file, e.message); }
      }
      return bytes;
    }

    const files = ['config.json', 'tokenizer.json'];
    await get('config.json');
    const bad = call('ss_stage_check_config', 'string', [], []);
    if (bad) {
      throw { title: 'Unsupported model', kind: 'unsupported', file: ref.base + 'config.json',
              text: ref.repo + ': ' + bad,
              hint: 'sinkscope runs the families listed in its README (Llama, Mistral, Qwen, Gemma, Phi-3, OLMo 2, ' +
                    'OPT, GPT-2, GPT-NeoX).' };
    }
    await get('tokenizer.json');
    const index = await get('model.safetensors.index.json', true);
    if (index) {
      files.push('model.safetensors.index.json');
      const list = JSON.parse(call('ss_stage_shards', 'string', [], []));
      if (list.error) {
        throw { title: list.too_big ? 'Model too big for the page' : 'Broken shard index', kind: list.too_big ? 'too_big' : 'bad_index',
                file: ref.base + 'model.safetensors.index.json', text: ref.repo + ': ' + list.error,
                hint: list.too_big ? 'Pick a smaller model, or run this one in the native app (sinkscope-app --model-dir DIR).'
                                   : 'The repo\'s model.safetensors.index.json is not one sinkscope can follow.' };
      }
      for (const shard of list.shards) { await get(shard); files.push(shard); }
    } else {
      await get('model.safetensors');
      files.push('model.safetensors');
    }
    return files;
  }

  // ---- files from disk -----------------------------------------------------------

  // files: [{file: File, path: 'folder/config.json'}]
  async function openFiles(files, opts = {}) {
    if (busy) return report({ title: 'Another model is being opened', text: 'Wait for it, or cancel it first.' }, opts);
    const ctl = new AbortController();
    busy = { ctl };
    window.sinkscopeOpenError = null;
    const top = files.length && files[0].path.includes('/') ? files[0].path.split('/')[0] : '';
    const name = top || 'local-model';
    panelStart('Opening ' + name + ' from your disk');
    call('ss_stage_clear', null, [], []);
    let state = 'failed';
    const staged = new Set();
    const read = async (i) => {
      const f = files[i];
      const row = panelRow(f.path);
      row.update(0, f.file.size);
      let bytes;
      try { bytes = new Uint8Array(await f.file.arrayBuffer()); } catch (err) {
        throw { title: 'A file could not be read', file: f.path, text: 'The browser could not read ' + f.path + ' (' + err.message + ').' };
      }
      if (ctl.signal.aborted) throw Cancelled;
      row.update(bytes.length, bytes.length, mb(bytes.length) + ' read');
      stage(f.path, bytes);
      staged.add(i);
    };
    try {
      const list = files.map((f) => f.path.replace(/[\t\r\n]/g, ' ') + '\t' + f.file.size).join('\n');
      const planOf = () => JSON.parse(withText(list, (p, n) => call('ss_stage_plan', 'string', ['number', 'number'], [p, n])));
      let plan = planOf();
      if (!plan.error && plan.needs_index) { await read(plan.index); plan = planOf(); }
      if (plan.error) {
        throw { title: plan.too_big ? 'Model too big for the page' : 'Not a model sinkscope can open',
                kind: plan.too_big ? 'too_big' : 'file_set', text: plan.error, file: name,
                hint: 'Drop (or pick) a model folder: config.json, tokenizer.json and model.safetensors, or ' +
                      'model.safetensors.index.json with every shard it names.' };
      }
      await read(plan.config);
      const bad = call('ss_stage_check_config', 'string', [], []);
      if (bad) {
        throw { title: 'Unsupported model', kind: 'unsupported', file: files[plan.config].path, text: name + ': ' + bad,
                hint: 'sinkscope runs the families listed in its README (Llama, Mistral, Qwen, Gemma, Phi-3, OLMo 2, ' +
                      'OPT, GPT-2, GPT-NeoX).' };
      }
      const rest = [plan.tokenizer].concat(plan.weights >= 0 ? [plan.weights] : plan.shards);
      if (plan.index >= 0) rest.push(plan.index);
      for (const i of rest) if (!staged.has(i)) await read(i);
      if (opts.startup) call('ss_set_model_name', null, ['string'], [name]);
      const err = call('ss_stage_load', 'string', ['string', 'string', 'string', 'string'], [name, '', '', '']);
      if (err) {
        throw { title: 'The model could not be read', text: err, file: name,
                hint: 'The files are not a model sinkscope can read.' };
      }
      state = 'done';
      return { ok: true };
    } catch (err) {
      if (err === Cancelled) {
        state = 'cancelled';
        return report({ title: 'Opening cancelled', kind: 'cancelled', text: 'Opening ' + name + ' was cancelled.' }, opts, true);
      }
      return report(err, opts);
    } finally {
      call('ss_stage_clear', null, [], []);
      busy = null;
      panelEnd(state);
    }
  }

  function pickFiles(folder) {
    const input = document.createElement('input');
    input.type = 'file';
    input.multiple = true;
    if (folder) input.webkitdirectory = true;
    input.style.display = 'none';
    input.addEventListener('change', () => {
      const files = Array.from(input.files || []).map((f) => ({ file: f, path: f.webkitRelativePath || f.name }));
      input.remove();
      if (files.length) openFiles(files);
    });
    document.body.appendChild(input);
    input.click();
  }

  // A dropped folder is walked (at most 4 levels and 10,000 entries: a model
  // folder is flat; a .git inside is not read, only listed).
  async function droppedFiles(dt) {
    const entries = Array.from(dt.items || []).map((it) => (it.webkitGetAsEntry ? it.webkitGetAsEntry() : null));
    if (!entries.length || entries.some((e) => !e)) {
      return Array.from(dt.files || []).map((f) => ({ file: f, path: f.webkitRelativePath || f.name }));
    }
    const out = [];
    const walk = async (entry, depth) => {
      if (out.length >= 10000) return;
      if (entry.isFile) {
        const file = await new Promise((res, rej) => entry.file(res, rej));
        out.push({ file, path: entry.fullPath.replace(/^\//, '') });
      } else if (entry.isDirectory && depth < 4) {
        const reader = entry.createReader();
        for (;;) {
          const batch = await new Promise((res, rej) => reader.readEntries(res, rej));
          if (!batch.length) break;
          for (const e of batch) await walk(e, depth + 1);
        }
      }
    };
    for (const e of entries) await walk(e, 0);
    return out;
  }

  window.addEventListener('dragover', (e) => {
    if (e.dataTransfer && Array.from(e.dataTransfer.types || []).includes('Files')) {
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    }
  });
  window.addEventListener('drop', async (e) => {
    if (!e.dataTransfer || !Array.from(e.dataTransfer.types || []).includes('Files')) return;
    e.preventDefault();
    if (!M() || !M().calledRun) return;  // before start-up: the page's own model is still coming
    let files;
    try {
      files = await droppedFiles(e.dataTransfer);
    } catch (err) {
      report({ title: 'The dropped files could not be read', text: String(err.message || err) }, {});
      return;
    }
    openFiles(files);
  });

  window.sinkscopeHub = {
    openHub,
    openFiles,
    pickFiles,
    cancel() { if (busy) busy.ctl.abort(); },
    busy: () => !!busy,
  };
})();
