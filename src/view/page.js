// git lineage view: the page's own script (no library). It reads the
// embedded JSON, never builds HTML from strings (record text goes through
// textContent only) and makes no network request.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('lineage-data').textContent);
  var nodes = data.nodes;
  var edges = data.edges;
  var count = nodes.length;
  var svg = document.getElementById('graph');
  var panel = document.getElementById('panel');
  var searchBox = document.getElementById('search');
  var results = document.getElementById('results');
  var depthBox = document.getElementById('depth');
  var hoodBox = document.getElementById('neighbourhood');
  var statusLine = document.getElementById('status');

  var nodeEls = new Array(count);
  var edgeEls = new Array(edges.length);
  svg.querySelectorAll('g.node').forEach(function (el) { nodeEls[+el.getAttribute('data-i')] = el; });
  svg.querySelectorAll('path.edge').forEach(function (el) { edgeEls[+el.getAttribute('data-e')] = el; });

  var byId = {};
  var up = [];
  var down = [];
  for (var i = 0; i < count; i++) { byId[nodes[i].id] = i; up.push([]); down.push([]); }
  edges.forEach(function (e, k) { down[e[0]].push([e[1], k]); up[e[1]].push([e[0], k]); });

  var selected = -1;
  var visible = new Array(count).fill(true);
  var matches = [];

  // ---- text helpers
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function short(hex) { return String(hex).slice(0, 12); }
  function plain(v) {
    if (v === null || v === undefined) { return ''; }
    if (typeof v === 'object') { return JSON.stringify(v); }
    return String(v);
  }
  function size(bytes) {
    if (typeof bytes !== 'number') { return ''; }
    var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    var n = bytes; var u = 0;
    while (n >= 1024 && u < units.length - 1) { n /= 1024; u++; }
    return (u === 0 ? String(n) : n.toFixed(1)) + ' ' + units[u];
  }
  function who(agent) { return agent ? agent.name + ' <' + agent.email + '>' : ''; }
  function kindOf(n) {
    if (n.record) { return n.record.kind; }
    if (n.artifact) { return (n.artifact.roles || []).join(', ') || 'artifact'; }
    return 'commit';
  }
  function nameOf(n) {
    if (n.record) { return n.record.name; }
    if (n.artifact) { return (n.artifact.paths || [])[0] || (n.artifact.uris || [])[0] || n.id; }
    return 'commit ' + short(n.commit);
  }
  // The REF that names a node on the command line.
  function refOf(n) {
    if (n.record) { return short(n.record.id); }
    if (n.artifact) {
      if (n.artifact.hash) { return n.artifact.hash; }
      return (n.artifact.uris || [])[0] || (n.artifact.paths || [])[0] || n.id;
    }
    return 'commit:' + short(n.commit);
  }
  function quote(text) { return /^[A-Za-z0-9_.,:@\/=+-]+$/.test(text) ? text : "'" + text.replace(/'/g, "'\\''") + "'"; }

  // ---- pan and zoom (the viewBox keeps the canvas' aspect ratio)
  var full = { w: +svg.getAttribute('data-width'), h: +svg.getAttribute('data-height') };
  var vb = { x: 0, y: 0, w: full.w, h: full.h };
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('tabindex', '0');
  function applyViewBox() { svg.setAttribute('viewBox', vb.x + ' ' + vb.y + ' ' + vb.w + ' ' + vb.h); }
  function aspect() { var r = svg.getBoundingClientRect(); return r.height > 0 ? r.width / r.height : 1.6; }
  function fitBox(x0, y0, x1, y1) {
    var pad = 30; var a = aspect();
    var w = Math.max(x1 - x0 + 2 * pad, 400); var h = Math.max(y1 - y0 + 2 * pad, 250);
    if (w / h > a) { h = w / a; } else { w = h * a; }
    vb = { x: (x0 + x1) / 2 - w / 2, y: (y0 + y1) / 2 - h / 2, w: w, h: h };
    applyViewBox();
  }
  function fit() {
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (var i = 0; i < count; i++) {
      if (!visible[i]) { continue; }
      var n = nodes[i];
      x0 = Math.min(x0, n.x); y0 = Math.min(y0, n.y); x1 = Math.max(x1, n.x + 220); y1 = Math.max(y1, n.y + 40);
    }
    if (x0 === Infinity) { x0 = 0; y0 = 0; x1 = full.w; y1 = full.h; }
    fitBox(x0, y0, x1, y1);
  }
  function zoom(factor, cx, cy) {
    if (cx === undefined) { cx = vb.x + vb.w / 2; cy = vb.y + vb.h / 2; }
    var w = Math.min(Math.max(vb.w * factor, 100), Math.max(full.w, full.h) * 4);
    var f = w / vb.w;
    vb = { x: cx - (cx - vb.x) * f, y: cy - (cy - vb.y) * f, w: w, h: vb.h * f };
    applyViewBox();
  }
  function toSvg(clientX, clientY) {
    var r = svg.getBoundingClientRect();
    return { x: vb.x + (clientX - r.left) / r.width * vb.w, y: vb.y + (clientY - r.top) / r.height * vb.h };
  }
  function reveal(i) {
    var n = nodes[i];
    if (n.x < vb.x || n.y < vb.y || n.x + 220 > vb.x + vb.w || n.y + 40 > vb.y + vb.h) {
      vb.x = n.x + 110 - vb.w / 2; vb.y = n.y + 20 - vb.h / 2; applyViewBox();
    }
  }
  svg.addEventListener('wheel', function (ev) {
    ev.preventDefault();
    var p = toSvg(ev.clientX, ev.clientY);
    zoom(ev.deltaY > 0 ? 1.15 : 1 / 1.15, p.x, p.y);
  }, { passive: false });
  var drag = null;
  svg.addEventListener('pointerdown', function (ev) {
    drag = { x: ev.clientX, y: ev.clientY, vx: vb.x, vy: vb.y, moved: false };
  });
  window.addEventListener('pointermove', function (ev) {
    if (!drag) { return; }
    var dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) { return; }
    drag.moved = true; svg.classList.add('dragging');
    var r = svg.getBoundingClientRect();
    vb.x = drag.vx - dx / r.width * vb.w; vb.y = drag.vy - dy / r.height * vb.h; applyViewBox();
  });
  window.addEventListener('pointerup', function () { setTimeout(function () { drag = null; }, 0); svg.classList.remove('dragging'); });
  svg.addEventListener('click', function (ev) {
    if (drag && drag.moved) { return; }
    var g = ev.target.closest ? ev.target.closest('g.node') : null;
    if (g) { select(+g.getAttribute('data-i')); svg.focus({ preventScroll: true }); } else { clearSelection(); }
  });

  // ---- reachability
  function reach(start, adjacency, limit) {
    var dist = new Map(); dist.set(start, 0);
    var queue = [start];
    for (var q = 0; q < queue.length; q++) {
      var v = queue[q]; var d = dist.get(v);
      if (limit !== undefined && d >= limit) { continue; }
      adjacency[v].forEach(function (pair) {
        if (!dist.has(pair[0])) { dist.set(pair[0], d + 1); queue.push(pair[0]); }
      });
    }
    return dist;
  }

  // ---- filters by type, kind and role
  var typeFilter = { record: true, artifact: true, commit: true };
  var kindFilter = {};
  var roleFilter = {};
  (function buildFilters() {
    var box = document.getElementById('filters');
    function add(group, key, label, title) {
      var lab = el('label'); lab.title = title;
      var input = el('input'); input.type = 'checkbox'; input.checked = true;
      input.setAttribute('data-filter', group + ':' + key);
      input.addEventListener('change', function () { group === 'type' ? typeFilter[key] = input.checked : group === 'kind' ? kindFilter[key] = input.checked : roleFilter[key] = input.checked; update(); });
      lab.appendChild(input); lab.appendChild(document.createTextNode(' ' + label));
      box.appendChild(lab);
    }
    var kinds = {}; var roles = {};
    nodes.forEach(function (n) {
      if (n.record) { kinds[n.record.kind] = (kinds[n.record.kind] || 0) + 1; }
      if (n.artifact) { (n.artifact.roles || []).forEach(function (r) { roles[r] = (roles[r] || 0) + 1; }); }
    });
    box.appendChild(el('span', 'show:', 'group'));
    ['record', 'artifact', 'commit'].forEach(function (t) { add('type', t, t + 's', 'show ' + t + ' nodes'); });
    box.appendChild(el('span', 'kinds:', 'group'));
    Object.keys(kinds).sort().forEach(function (k) { kindFilter[k] = true; add('kind', k, k + ' (' + kinds[k] + ')', 'records of kind ' + k); });
    box.appendChild(el('span', 'roles:', 'group'));
    Object.keys(roles).sort().forEach(function (r) { roleFilter[r] = true; add('role', r, r + ' (' + roles[r] + ')', 'artifacts with role ' + r); });
  })();
  function passesFilters(n) {
    if (n.record) { return typeFilter.record && kindFilter[n.record.kind] !== false; }
    if (n.artifact) {
      if (!typeFilter.artifact) { return false; }
      var roles = n.artifact.roles || [];
      return roles.length === 0 || roles.some(function (r) { return roleFilter[r] !== false; });
    }
    return typeFilter.commit;
  }

  // ---- what is shown: filters, and around the focus when "neighbourhood only"
  function focusNodes() {
    if (selected >= 0) { return [selected]; }
    var roots = data.roots.map(function (id) { return byId[id]; }).filter(function (i) { return i !== undefined; });
    if (roots.length) { return roots; }
    var newest = -1;
    nodes.forEach(function (n, i) { if (n.record && (newest < 0 || n.record.recorded > nodes[newest].record.recorded)) { newest = i; } });
    return newest >= 0 ? [newest] : [0];
  }
  function update() {
    var near = null;
    if (hoodBox.checked && count) {
      near = new Set();
      var depth = Math.max(0, parseInt(depthBox.value, 10) || 0);
      focusNodes().forEach(function (f) {
        reach(f, up, depth).forEach(function (_, v) { near.add(v); });
        reach(f, down, depth).forEach(function (_, v) { near.add(v); });
      });
    }
    var shown = 0;
    for (var i = 0; i < count; i++) {
      visible[i] = passesFilters(nodes[i]) && (!near || near.has(i));
      nodeEls[i].classList.toggle('hidden', !visible[i]);
      if (visible[i]) { shown++; }
    }
    edges.forEach(function (e, k) { edgeEls[k].classList.toggle('hidden', !(visible[e[0]] && visible[e[1]])); });
    statusLine.textContent = 'showing ' + shown + ' of ' + count + ' nodes, ' + edges.length + ' edges';
  }
  hoodBox.addEventListener('change', function () { update(); fit(); });
  depthBox.addEventListener('input', function () { update(); if (hoodBox.checked) { fit(); } });

  // ---- selection: highlight the whole upstream and downstream path
  function clearSelection() {
    selected = -1;
    svg.classList.remove('focus');
    nodeEls.forEach(function (g) { g.classList.remove('hl', 'selected'); });
    edgeEls.forEach(function (p) { p.classList.remove('hl'); });
    panel.textContent = '';
    panel.appendChild(el('p', 'Click a node, or use the arrow keys, to see what it is.', 'hint'));
    if (window.history && history.replaceState) { history.replaceState(null, '', location.pathname + location.search); }
    update();
  }
  function select(i) {
    if (i < 0 || i >= count) { return; }
    selected = i;
    var ups = reach(i, up); var downs = reach(i, down);
    svg.classList.add('focus');
    nodeEls.forEach(function (g, v) {
      g.classList.toggle('hl', ups.has(v) || downs.has(v));
      g.classList.toggle('selected', v === i);
    });
    edges.forEach(function (e, k) {
      edgeEls[k].classList.toggle('hl', (ups.has(e[0]) && ups.has(e[1])) || (downs.has(e[0]) && downs.has(e[1])));
    });
    if (hoodBox.checked) { update(); }
    if (!visible[i]) { nodeEls[i].classList.remove('hidden'); visible[i] = true; }
    renderPanel(i, ups, downs);
    if (window.history && history.replaceState) { history.replaceState(null, '', '#node=' + encodeURIComponent(nodes[i].id)); }
    reveal(i);
  }

  // ---- the side panel: what `show` says
  function row(table, key, value) {
    if (value === undefined || value === null || value === '') { return; }
    var tr = el('tr'); tr.appendChild(el('td', key));
    var td = el('td'); if (value instanceof Node) { td.appendChild(value); } else { td.textContent = String(value); }
    tr.appendChild(td); table.appendChild(tr);
  }
  function section(title) { panel.appendChild(el('h3', title)); var t = el('table'); panel.appendChild(t); return t; }
  function link(i) {
    var a = el('a', kindOf(nodes[i]) + ' ' + nameOf(nodes[i]));
    a.tabIndex = 0; a.setAttribute('data-go', nodes[i].id);
    a.addEventListener('click', function () { select(i); });
    a.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') { select(i); } });
    return a;
  }
  function valueTable(title, map) {
    var keys = map ? Object.keys(map).sort() : [];
    if (!keys.length) { return; }
    var t = section(title); t.setAttribute('data-section', title);
    keys.forEach(function (k) { row(t, k, plain(map[k])); });
  }
  function artifactsTable(title, list) {
    if (!list || !list.length) { return; }
    var t = section(title);
    list.forEach(function (a) {
      var where = a.path || (a.uri ? a.uri + (a.version ? '@' + a.version : '') : '');
      row(t, a.role || '-', [where, a.hash ? short(a.hash.replace('blake3:', 'blake3:')) + '…' : '', size(a.size)].filter(Boolean).join('  '));
    });
  }
  function renderPanel(i, ups, downs) {
    var n = nodes[i];
    panel.textContent = '';
    panel.appendChild(el('h2', nameOf(n)));
    panel.appendChild(el('div', n.type + ' · ' + kindOf(n), 'hint'));
    var t = section('what');
    row(t, 'id', n.id);
    if (n.record) {
      var r = n.record; var m = n.manifest || {};
      row(t, 'kind', r.kind); row(t, 'name', r.name); row(t, 'recorded', r.recorded);
      row(t, 'author', who(r.author));
      if (m.code) { row(t, 'code', (m.code.commit ? short(m.code.commit) : '-') + (m.code.branch ? ' on ' + m.code.branch : '') + (m.code.dirty ? ' (dirty)' : '')); }
      if (n.unreadable) { row(t, 'unreadable', n.unreadable); }
      if (n.abridged) {
        row(t, 'note', 'a large page holds each record\'s summary: `git lineage show ' + short(r.id) + '` gives the command, run time, environment and artifacts (listed below as upstream and downstream)');
        if (m.exit_failed) { row(t, 'exit', 'failed'); }
      }
      valueTable('params', m.params);
      valueTable('metrics', m.metrics);
      artifactsTable('inputs', m.inputs);
      artifactsTable('outputs', m.outputs);
      var run = section('run');
      if (m.started) { row(run, 'ran', m.started + ' .. ' + (m.ended || '')); }
      if (m.command && m.command.length) { row(run, 'command', m.command.join(' ')); }
      row(run, 'seed', m.seed); row(run, 'exit', plain(m.exit)); row(run, 'note', m.note);
      row(run, 'agent', who(m.agent));
      if (r.commit) { row(run, 'committed', short(r.commit.id) + ' ' + r.commit.date + ' ' + r.commit.message); }
      if (m.environment) { row(run, 'env', [m.environment.os + '/' + m.environment.arch, m.environment.tool].join(' ')); }
    } else if (n.artifact) {
      var a = n.artifact;
      row(t, 'hash', a.hash); row(t, 'size', a.size !== undefined ? size(a.size) + ' (' + a.size + ' bytes)' : '');
      row(t, 'paths', (a.paths || []).join(', ')); row(t, 'uris', (a.uris || []).join(', '));
      row(t, 'roles', (a.roles || []).join(', '));
    } else {
      row(t, 'commit', n.commit);
    }
    if (n.marks && n.marks.length) { row(t, 'marks', n.marks.join(', ')); }
    if (n.registered && n.registered.length) {
      var rt = section('registry');
      n.registered.forEach(function (g) { row(rt, g.model + ' ' + g.version, g.stages.length ? g.stages.join(', ') : '(no stage)'); });
      (n.events || []).forEach(function (ev) {
        row(rt, ev.kind.replace('registry-', ''), ['v' + (ev.version || '?'), ev.stage || '', ev.comment || '', ev.recorded, ev.agent ? ev.agent.name : ''].filter(Boolean).join(' · '));
      });
    }
    [['upstream', up[i]], ['downstream', down[i]]].forEach(function (pair) {
      if (!pair[1].length) { return; }
      var lt = section(pair[0] + ' (' + pair[1].length + ')');
      pair[1].forEach(function (p) { row(lt, edges[p[1]][2], link(p[0])); });
    });
    var reproduce = section('reproduce');
    var ref = quote(refOf(n));
    var depth = parseInt(depthBox.value, 10) || 0;
    var cmds = [];
    if (n.record) { cmds.push('git lineage show ' + ref); }
    cmds.push('git lineage graph ' + ref);
    cmds.push('git lineage view ' + ref + (hoodBox.checked ? ' --depth ' + depth : ''));
    if (!n.commit) { cmds.push('git lineage impact ' + ref); }
    cmds.forEach(function (c) { var tr = el('tr'); var td = el('td'); td.colSpan = 2; td.appendChild(el('code', c, 'cmd')); tr.appendChild(td); reproduce.appendChild(tr); });
    panel.appendChild(el('p', ups.size - 1 + ' upstream, ' + (downs.size - 1) + ' downstream (highlighted)', 'hint'));
  }

  // ---- search by name, path, hash prefix, param or metric
  var haystacks = nodes.map(function (n) {
    var words = [n.id.toLowerCase()];
    var hex = n.id.replace(/^(record|commit|blake3):/, '').toLowerCase();
    if (n.record) { words.push(n.record.name.toLowerCase(), n.record.kind.toLowerCase()); }
    if (n.artifact) { (n.artifact.paths || []).concat(n.artifact.uris || []).forEach(function (p) { words.push(p.toLowerCase()); }); }
    var m = n.manifest || {};
    ['params', 'metrics'].forEach(function (k) {
      Object.keys(m[k] || {}).forEach(function (key) { words.push(key.toLowerCase() + '=' + plain(m[k][key]).toLowerCase()); });
    });
    return { hex: hex, words: words };
  });
  function search(text) {
    var q = text.trim().toLowerCase().replace(/^(record|commit|blake3):/, '');
    matches = [];
    if (q) {
      for (var i = 0; i < count; i++) {
        var h = haystacks[i];
        if (h.hex.indexOf(q) === 0 || h.words.some(function (w) { return w.indexOf(q) >= 0; })) { matches.push(i); }
      }
    }
    nodeEls.forEach(function (g, i) { g.classList.remove('match'); });
    matches.forEach(function (i) { nodeEls[i].classList.add('match'); });
    results.textContent = '';
    matches.slice(0, 30).forEach(function (i) {
      var li = el('li'); var b = el('button', kindOf(nodes[i]) + '  ' + nameOf(nodes[i]) + '  ' + short(haystacks[i].hex));
      b.type = 'button'; b.setAttribute('data-i', String(i));
      b.addEventListener('click', function () { results.hidden = true; select(i); });
      li.appendChild(b); results.appendChild(li);
    });
    results.hidden = !q;
    if (q && !matches.length) { results.appendChild(el('li', 'no match', 'hint')); }
    statusLine.textContent = q ? matches.length + ' match' + (matches.length === 1 ? '' : 'es') : statusLine.textContent;
  }
  searchBox.addEventListener('input', function () { search(searchBox.value); });
  searchBox.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter' && matches.length) { results.hidden = true; select(matches[0]); svg.focus({ preventScroll: true }); }
    if (ev.key === 'Escape') { searchBox.value = ''; search(''); svg.focus({ preventScroll: true }); }
    if (ev.key === 'ArrowDown' && results.querySelector('button')) { ev.preventDefault(); results.querySelector('button').focus(); }
  });

  // ---- keyboard navigation
  function neighbour(list) {
    var seen = list.map(function (p) { return p[0]; }).filter(function (v) { return visible[v]; });
    seen.sort(function (a, b) { return nodes[a].y - nodes[b].y; });
    return seen.length ? seen[0] : -1;
  }
  function sameLayer(i, direction) {
    var best = -1;
    for (var v = 0; v < count; v++) {
      if (v === i || !visible[v] || nodes[v].layer !== nodes[i].layer) { continue; }
      var d = (nodes[v].y - nodes[i].y) * direction;
      if (d > 0 && (best < 0 || d < (nodes[best].y - nodes[i].y) * direction)) { best = v; }
    }
    return best;
  }
  document.addEventListener('keydown', function (ev) {
    var target = ev.target;
    if (target && (target.tagName === 'INPUT' || target.tagName === 'BUTTON' || target.tagName === 'A')) { return; }
    var next = -1;
    var start = selected >= 0 ? selected : focusNodes()[0];
    switch (ev.key) {
      case '/': ev.preventDefault(); searchBox.focus(); return;
      case 'Escape': clearSelection(); return;
      case '+': case '=': zoom(1 / 1.25); return;
      case '-': zoom(1.25); return;
      case '0': fit(); return;
      case 'ArrowRight': next = selected < 0 ? start : neighbour(down[selected]); break;
      case 'ArrowLeft': next = selected < 0 ? start : neighbour(up[selected]); break;
      case 'ArrowDown': next = selected < 0 ? start : sameLayer(selected, 1); break;
      case 'ArrowUp': next = selected < 0 ? start : sameLayer(selected, -1); break;
      default: return;
    }
    ev.preventDefault();
    if (next >= 0) { select(next); }
  });

  document.getElementById('fit').addEventListener('click', fit);
  document.getElementById('zoom-in').addEventListener('click', function () { zoom(1 / 1.25); });
  document.getElementById('zoom-out').addEventListener('click', function () { zoom(1.25); });
  document.getElementById('clear').addEventListener('click', clearSelection);
  window.addEventListener('resize', fit);

  // ---- open: #node=<id> selects; otherwise the roots' neighbourhood
  function fromHash() {
    var m = /^#node=(.+)$/.exec(location.hash);
    if (!m) { return -1; }
    var id = decodeURIComponent(m[1]);
    return byId[id] !== undefined ? byId[id] : -1;
  }
  window.addEventListener('hashchange', function () { var i = fromHash(); if (i >= 0) { select(i); } });
  update();
  fit();
  var initial = fromHash();
  if (initial >= 0) { select(initial); if (hoodBox.checked) { fit(); } }
  document.body.setAttribute('data-ready', 'true');
})();
