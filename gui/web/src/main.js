// The sluice GUI: a file tree, a CodeMirror editor, a log console and the
// pipeline graph of the open script and of the running program, over the
// JSON API of the Go package gui.
import { basicSetup } from 'codemirror';
import { EditorView, keymap, Decoration } from '@codemirror/view';
import { EditorState, StateEffect, StateField } from '@codemirror/state';
import { javascript } from '@codemirror/lang-javascript';
import { lintGutter, setDiagnostics } from '@codemirror/lint';

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...kids) => {
  const e = document.createElement(tag);
  Object.assign(e, props);
  for (const k of kids) if (k != null) e.append(k);
  return e;
};

const state = {
  path: '',        // the open file's API path
  saved: '',       // its text as last saved or loaded
  running: '',     // the running program's path
  addrs: [],       // and where it listens
  tab: 'script',   // the graph shown: 'script' or 'running'
  scriptGraph: null,
  runningGraph: null,
};

// ---- API ----

async function api(method, url, body) {
  const r = await fetch(url, { method, body, headers: body && typeof body === 'string' && body.startsWith('{') ? { 'Content-Type': 'application/json' } : {} });
  const ct = r.headers.get('Content-Type') || '';
  const data = ct.includes('json') && r.status !== 204 ? await r.json() : await r.text();
  if (!r.ok) {
    const err = new Error(data && data.error ? data.error : `${method} ${url}: ${r.status}`);
    err.info = data;
    throw err;
  }
  return data;
}
const enc = (p) => p.split('/').map(encodeURIComponent).join('/');

// ---- editor ----

const setErrorLine = StateEffect.define();
const errorLine = StateField.define({
  create: () => Decoration.none,
  update(deco, tr) {
    deco = deco.map(tr.changes);
    for (const e of tr.effects) {
      if (e.is(setErrorLine)) {
        deco = e.value == null ? Decoration.none
          : Decoration.set([Decoration.line({ class: 'cm-errorLine' }).range(e.value)]);
      }
    }
    return deco;
  },
  provide: (f) => EditorView.decorations.from(f),
});

let graphTimer = 0;
const view = new EditorView({
  parent: $('editor'),
  state: EditorState.create({ doc: '', extensions: extensions() }),
});

function extensions() {
  return [
    keymap.of([
      { key: 'Mod-s', preventDefault: true, run: () => { save(); return true; } },
      { key: 'Mod-Enter', preventDefault: true, run: () => { start(); return true; } },
    ]),
    basicSetup,
    javascript(),
    lintGutter(),
    errorLine,
    EditorState.readOnly.of(!state.path),
    EditorView.updateListener.of((u) => {
      if (!u.docChanged) return;
      showDirty();
      clearTimeout(graphTimer);
      graphTimer = setTimeout(drawScriptGraph, 1000);
    }),
  ];
}

function text() { return view.state.doc.toString(); }

// mark shows a script error in the editor: the line, the gutter, the bar
// below. err.info has file, line, column and error.
function mark(info) {
  const bar = $('error');
  if (!info || !info.error) {
    view.dispatch(setDiagnostics(view.state, []), { effects: setErrorLine.of(null) });
    bar.hidden = true;
    bar.textContent = '';
    return;
  }
  bar.hidden = false;
  bar.textContent = info.error;
  if (!info.line || (info.file && info.file !== state.path)) {
    view.dispatch(setDiagnostics(view.state, []), { effects: setErrorLine.of(null) });
    return;
  }
  const doc = view.state.doc;
  const line = doc.line(Math.min(Math.max(info.line, 1), doc.lines));
  const from = Math.min(line.from + Math.max((info.column || 1) - 1, 0), line.to);
  const to = from < line.to ? line.to : from;
  view.dispatch(
    setDiagnostics(view.state, [{ from, to, severity: 'error', message: info.error }]),
    { effects: setErrorLine.of(line.from) },
  );
  bar.dataset.line = String(info.line);
}

// ---- files ----

async function loadTree() {
  const top = await api('GET', '/api/files');
  const tree = $('tree');
  tree.replaceChildren(...top.children.map(node));
  markTree();
}

function node(e) {
  if (e.dir) {
    return el('li', { className: 'dir', role: 'treeitem' },
      el('span', { textContent: e.name + '/' }),
      el('ul', { role: 'group' }, ...(e.children || []).map(node)));
  }
  const b = el('button', { textContent: e.name, title: e.path });
  b.dataset.path = e.path;
  b.addEventListener('click', () => open(e.path));
  return el('li', { role: 'treeitem' }, b);
}

function markTree() {
  for (const b of $('tree').querySelectorAll('button')) {
    b.setAttribute('aria-current', String(b.dataset.path === state.path));
    b.classList.toggle('running', b.dataset.path === state.running);
  }
}

// The tree moves with the arrow keys too.
$('tree').addEventListener('keydown', (ev) => {
  if (ev.key !== 'ArrowDown' && ev.key !== 'ArrowUp') return;
  const all = [...$('tree').querySelectorAll('button')];
  const i = all.indexOf(document.activeElement);
  const j = ev.key === 'ArrowDown' ? Math.min(i + 1, all.length - 1) : Math.max(i - 1, 0);
  if (all[j]) { all[j].focus(); ev.preventDefault(); }
});

function dirty() { return state.path && text() !== state.saved; }

function showDirty() {
  $('file-name').textContent = state.path ? state.path + (dirty() ? ' •' : '') : 'no file open';
  document.title = (dirty() ? '• ' : '') + (state.path ? state.path + ' — ' : '') + 'sluice';
  $('save').disabled = !dirty();
}

async function open(path) {
  if (path === state.path) return;
  if (dirty() && !confirm(`Discard the changes to ${state.path}?`)) return;
  try {
    const body = await api('GET', '/api/files' + enc(path));
    state.path = path;
    state.saved = body;
    view.setState(EditorState.create({ doc: body, extensions: extensions() }));
    mark(null);
    showDirty();
    buttons();
    markTree();
    drawScriptGraph();
    view.focus();
  } catch (e) {
    say(e.message, true);
  }
}

// save writes the open file; saves run one after another, never two at once.
let saving = Promise.resolve(true);
function save() {
  saving = saving.then(saveNow, saveNow);
  return saving;
}
async function saveNow() {
  if (!state.path) return true;
  const path = state.path;
  const body = text();
  if (body === state.saved) return true;
  try {
    await api('POST', '/api/files' + enc(path), body);
    if (path === state.path) state.saved = body;
    showDirty();
    say(`saved ${path}`);
    return true;
  } catch (e) {
    say(e.message, true);
    return false;
  }
}

$('new-file').addEventListener('click', () => {
  const f = $('new-form');
  f.hidden = !f.hidden;
  if (!f.hidden) {
    const dir = state.path ? state.path.replace(/[^/]*$/, '') : '/';
    $('new-name').value = dir;
    $('new-name').focus();
  }
});
$('new-name').addEventListener('keydown', (ev) => {
  if (ev.key === 'Escape') { $('new-form').hidden = true; $('new-file').focus(); }
});
$('new-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  let p = $('new-name').value.trim();
  if (!p || p.endsWith('/')) return;
  if (!p.startsWith('/')) p = '/' + p;
  try {
    await api('POST', '/api/files' + enc(p), p.endsWith('.js') ? 'pipy()\n\n.listen(8080)\n  .dummy()\n' : '');
    $('new-form').hidden = true;
    await loadTree();
    await open(p);
  } catch (e) {
    say(e.message, true);
  }
});

$('delete-file').addEventListener('click', async () => {
  if (!state.path || !confirm(`Delete ${state.path}?`)) return;
  try {
    await api('DELETE', '/api/files' + enc(state.path));
    state.path = ''; state.saved = '';
    view.setState(EditorState.create({ doc: '', extensions: extensions() }));
    mark(null); showDirty(); buttons(); drawScriptGraph();
    await loadTree();
  } catch (e) {
    say(e.message, true);
  }
});

// ---- program ----

function buttons() {
  $('start').disabled = !state.path;
  $('restart').disabled = !state.running;
  $('stop').disabled = !state.running;
  $('delete-file').disabled = !state.path;
  const s = $('status');
  s.textContent = state.running ? `running ${state.running}` + (state.addrs.length ? ` · ${state.addrs.join(', ')}` : '') : 'stopped';
  s.classList.toggle('running', !!state.running);
}

async function run(path) {
  if (!(await save())) return;
  try {
    const r = await api('POST', '/api/program', JSON.stringify({ path }));
    state.running = r.path;
    mark(null);
    say(`started ${r.path}` + (r.addrs && r.addrs.length ? ` on ${r.addrs.join(', ')}` : ''));
  } catch (e) {
    if (e.info && e.info.error) mark(e.info);
    say(e.message, true);
  }
  await refreshProgram();
}

function start() { if (state.path) run(state.path); }
$('start').addEventListener('click', start);
$('restart').addEventListener('click', () => state.running && run(state.running));
$('stop').addEventListener('click', async () => {
  try { await api('DELETE', '/api/program'); say('stopped'); } catch (e) { say(e.message, true); }
  await refreshProgram();
});

// refreshProgram asks what runs; it redraws the running graph only when it
// changed (or when asked to), so that polling keeps the reader's place.
let runningJSON = '';
async function refreshProgram(redraw) {
  try {
    const p = await api('GET', '/api/program');
    state.running = p.path;
    state.addrs = p.addrs || [];
    const c = await api('GET', '/api/config');
    const j = JSON.stringify(c);
    if (j !== runningJSON) { runningJSON = j; redraw = true; }
    state.runningGraph = c;
  } catch (e) { /* the server went: keep what is shown */ }
  buttons();
  markTree();
  if (state.tab === 'running' && redraw) drawGraph();
}

document.addEventListener('keydown', (ev) => {
  // Outside the editor (whose own Mod-s has already saved and said so).
  if ((ev.ctrlKey || ev.metaKey) && ev.key === 's' && !ev.defaultPrevented) { ev.preventDefault(); save(); }
});
window.addEventListener('beforeunload', (ev) => { if (dirty()) ev.preventDefault(); });

// ---- graph ----

let graphSeq = 0;
async function drawScriptGraph() {
  clearTimeout(graphTimer);
  if (!state.path) { state.scriptGraph = null; drawGraph(); return; }
  const seq = ++graphSeq;
  try {
    const g = await api('POST', '/api/graph?path=' + encodeURIComponent(state.path), text());
    if (seq !== graphSeq) return;
    state.scriptGraph = g;
    mark(g.problem || null);
  } catch (e) {
    if (seq !== graphSeq) return;
    state.scriptGraph = Object.assign({}, state.scriptGraph || { graph: [] }, { stale: true, error: e.message });
    if (e.info) mark(e.info);
  }
  if (state.tab === 'script') drawGraph();
}

function drawGraph() {
  const box = $('graph');
  const g = state.tab === 'script' ? state.scriptGraph : state.runningGraph;
  box.classList.toggle('stale', !!(g && g.stale));
  if (!g || !g.graph || g.graph.length === 0) {
    const why = state.tab === 'script'
      ? (state.path ? (g && g.error ? 'The script does not load: ' + g.error : 'No pipelines.') : 'Open a script to see its pipelines.')
      : 'Nothing is running.';
    box.replaceChildren(el('p', { className: 'graph-note', textContent: why }));
    return;
  }
  box.replaceChildren(...g.graph.map(pipe));
}

// pipe draws a pipeline: a card with its filters in a column, each filter
// that starts pipelines followed by them, indented.
function pipe(n) {
  const kind = n.recursive ? 'recursive' : n.missing ? 'missing' : n.kind;
  const title = n.recursive ? `↻ ${n.name} (recursive)`
    : n.missing ? `✗ ${n.name} (not defined)`
    : n.kind === 'pipeline' ? `[${n.name}]` : n.name;
  const card = el('div', { className: 'pipe ' + kind }, el('div', { className: 'pipe-title', textContent: title }));
  card.dataset.name = n.name;
  if (n.recursive || n.missing) return card;
  const list = el('ul', { className: 'filters' });
  for (const f of n.nodes || []) {
    const item = el('li', { className: 'filter' + (f.nodes ? (f.fork ? ' fork' : ' links') : '') },
      el('span', { className: 'name', textContent: f.name }));
    item.dataset.name = f.name;
    if (f.nodes) item.append(el('div', { className: 'targets' }, ...f.nodes.map(pipe)));
    list.append(item);
  }
  if (!n.nodes || n.nodes.length === 0) list.append(el('li', { className: 'empty', textContent: 'no filters' }));
  card.append(list);
  return card;
}

function tab(which) {
  state.tab = which;
  $('tab-script').setAttribute('aria-selected', String(which === 'script'));
  $('tab-running').setAttribute('aria-selected', String(which === 'running'));
  drawGraph();
  if (which === 'running') refreshProgram(true);
}
$('tab-script').addEventListener('click', () => tab('script'));
$('tab-running').addEventListener('click', () => tab('running'));

// ---- log ----

const levels = { debug: 0, info: 1, warn: 2, error: 3, print: 9, dump: 9 };
const logBox = $('log');
const MAX_LINES = 2000;

function shown(line) {
  const want = $('log-level').value;
  const text = $('log-filter').value.toLowerCase();
  if (text && !line.text.toLowerCase().includes(text)) return false;
  if (want === 'all') return true;
  if (want === 'print') return line.level === 'print' || line.level === 'dump';
  return levels[line.level] !== 9 && levels[line.level] >= levels[want];
}

const kept = [];
function addLine(line) {
  kept.push(line);
  if (kept.length > MAX_LINES) kept.shift();
  if (!shown(line)) return;
  const atEnd = logBox.scrollTop + logBox.clientHeight >= logBox.scrollHeight - 4;
  logBox.append(lineDiv(line));
  while (logBox.childElementCount > MAX_LINES) logBox.firstChild.remove();
  if ($('log-follow').checked && atEnd) logBox.scrollTop = logBox.scrollHeight;
}
// readable shortens a log/slog text line for the console: the time of day,
// the level, the message unquoted, then the other fields as they are.
function readable(text) {
  const m = /^time=\S*T(\d\d:\d\d:\d\d)\S* level=(\w+) msg=("(?:[^"\\]|\\.)*"|\S+)(.*)$/.exec(text);
  if (!m) return text;
  let msg = m[3];
  if (msg.startsWith('"')) { try { msg = JSON.parse(msg); } catch (e) { /* keep it quoted */ } }
  return `${m[1]} ${m[2].padEnd(5)} ${msg}${m[4]}`;
}

function lineDiv(line) {
  const d = el('div', { className: line.level, textContent: readable(line.text), title: line.text });
  d.dataset.index = String(line.index);
  return d;
}
function redrawLog() {
  logBox.replaceChildren(...kept.filter(shown).map(lineDiv));
  logBox.scrollTop = logBox.scrollHeight;
}
$('log-level').addEventListener('change', redrawLog);
$('log-filter').addEventListener('input', redrawLog);
$('log-follow').addEventListener('change', () => { if ($('log-follow').checked) logBox.scrollTop = logBox.scrollHeight; });
$('log-clear').addEventListener('click', () => { kept.length = 0; logBox.replaceChildren(); });

// say puts a GUI message in the log (not kept by the server).
function say(text, bad) { addLine({ index: -1, level: bad ? 'error' : 'info', text: '[gui] ' + text }); }

function follow() {
  const es = new EventSource('/api/log/stream');
  es.onmessage = (ev) => addLine(JSON.parse(ev.data));
  // EventSource reconnects by itself, from the last id it saw.
}

// ---- start ----

(async () => {
  buttons();
  follow();
  await Promise.all([loadTree(), refreshProgram()]);
  drawGraph();
  const want = new URLSearchParams(location.search).get('open') || state.running;
  if (want) await open(want);
  setInterval(() => refreshProgram(false), 5000);
})();
