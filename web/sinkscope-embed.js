// The one-line embed: a course page writes
//   <script src="https://HOST/sinkscope/sinkscope-embed.js" data-model="demo-lm"
//           data-prompt="The sky is blue." data-panel="attention" data-layer="6" data-head="2"></script>
// and this script puts a sandboxed iframe of the app (index.html next to this
// file, ?embed=1 plus the data-* values) where the tag stood. The frame takes
// the container's width and follows it (ResizeObserver); its height is
// data-height (CSS pixels) or the width times data-aspect (default: the
// panel's own shape). If the app does not answer (wrong address, blocked
// frame), a message in the page says so instead of an empty box.
// Attributes: data-model, data-prompt, data-panel, data-layer, data-head,
// data-lesson, data-theme, data-backend (passed on as URL parameters),
// data-height, data-aspect, data-title (the frame's accessible name).
'use strict';
(function () {
  const me = document.currentScript;
  if (!me || !me.src) return;  // only as a classic <script src=...>, where currentScript is known
  const d = me.dataset;
  const app = new URL('index.html', me.src);
  const params = new URLSearchParams({ embed: '1' });
  for (const k of ['model', 'prompt', 'panel', 'layer', 'head', 'lesson', 'theme', 'backend']) {
    if (d[k] !== undefined && d[k] !== '') params.set(k, d[k]);
  }
  app.search = params.toString();

  // Height over width of each panel's layout at its best (a wide heatmap
  // beside its grid, stacked plots, long text).
  const ASPECT = { attention: 0.62, residual: 0.7, tag: 0.66, release: 0.7, interventions: 0.75,
                   averaging: 0.85, guide: 0.9, settings: 1.0 };
  const num = (v) => (v !== undefined && v !== '' && Number.isFinite(Number(v)) && Number(v) > 0 ? Number(v) : 0);
  const fixedHeight = num(d.height);
  const aspect = num(d.aspect) || ASPECT[d.panel || 'attention'] || 0.66;
  const MIN_H = 280;

  const box = document.createElement('div');
  box.className = 'sinkscope-embed';
  box.style.width = '100%';
  box.style.position = 'relative';
  const frame = document.createElement('iframe');
  frame.src = app.href;
  frame.title = d.title || 'sinkscope: an interactive view of attention sinks (' + (d.panel || 'attention') + ' panel)';
  // Scripts (the app and its WebAssembly), its own origin (it fetches its model
  // files from its host) and downloads (the PNG, SVG and CSV buttons). No top
  // navigation, popups, forms or modals. Clipboard: the "copy link" button.
  frame.setAttribute('sandbox', 'allow-scripts allow-same-origin allow-downloads');
  frame.setAttribute('allow', 'clipboard-write');
  frame.style.cssText = 'display:block;width:100%;border:0;';
  const note = document.createElement('p');
  note.className = 'sinkscope-embed-message';
  note.setAttribute('role', 'alert');
  note.style.cssText = 'display:none;margin:0;padding:12px 14px;border:1px solid #a04848;border-radius:6px;' +
                       'background:#fff4f2;color:#5a1010;font:14px/1.4 system-ui,sans-serif;overflow-wrap:anywhere;';
  box.appendChild(frame);
  box.appendChild(note);
  me.replaceWith(box);

  function size() {
    const w = box.getBoundingClientRect().width;
    const h = fixedHeight || Math.max(MIN_H, Math.round(w * aspect));
    if (frame.style.height !== h + 'px') frame.style.height = h + 'px';
  }
  size();
  if (typeof ResizeObserver === 'function') new ResizeObserver(size).observe(box);
  else window.addEventListener('resize', size);

  // The app posts {sinkscope: 'loading' | 'ready' | 'error'} to its parent
  // (web/loader.js). Silence after the frame loaded means the address does
  // not serve the app.
  let heard = false;
  function fail(text) {
    note.textContent = text;
    note.style.display = 'block';
    frame.style.display = 'none';
    box.dataset.state = 'failed';
  }
  window.addEventListener('message', (e) => {
    if (e.source !== frame.contentWindow || !e.data || typeof e.data.sinkscope !== 'string') return;
    heard = true;
    box.dataset.state = e.data.sinkscope;  // loading | ready | error (the frame shows the error itself)
  });
  frame.addEventListener('load', () => {
    setTimeout(() => {
      if (!heard) fail('The sinkscope view could not be loaded from ' + app.origin + app.pathname +
                       '. Check the script address, or open the view directly: ' + app.href);
    }, 4000);
  });
  frame.addEventListener('error', () => fail('The sinkscope view could not be loaded from ' + app.href + '.'));
})();
