/* kg graph page. Every text of the data is set with textContent or as a DOM property: the
   bibliography is data, never markup. Links are made only for http(s) urls and for node ids. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("kg-data").textContent);
  var T = D.text, UI = T.ui;
  var byId = new Map(), keyIndex = new Map(), adj = new Map();
  D.nodes.forEach(function (n) { byId.set(n.id, n); adj.set(n.id, []); });
  D.nodes.forEach(function (n) {
    (n.keys || []).forEach(function (k) {
      var f = fold(k);
      if (f && !keyIndex.has(f)) keyIndex.set(f, n.id);
    });
  });
  D.edges.forEach(function (e, i) {
    e.id = "e" + i;
    adj.get(e.from).push({ other: e.to, rel: e.rel, out: true });
    adj.get(e.to).push({ other: e.from, rel: e.rel, out: false });
  });

  function fold(s) {
    return String(s).replace(/œ/g, "oe").replace(/Œ/g, "OE").replace(/æ/g, "ae")
      .replace(/Æ/g, "AE").replace(/ß/g, "ss").replace(/[’‘]/g, "'")
      .normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function el(tag, text, cls) {
    var x = document.createElement(tag);
    if (text !== undefined && text !== null) x.textContent = String(text);
    if (cls) x.className = cls;
    return x;
  }
  function $(id) { return document.getElementById(id); }
  function safeUrl(u) { return typeof u === "string" && /^https?:\/\/[^\s<>"']+$/i.test(u) ? u : ""; }
  function relText(rels, inverse) {
    var names = inverse ? T.inverse : T.relations;
    return rels.map(function (r) { return names[r] || r; }).join(", ");
  }

  /* ---------- vis data */
  var many = D.nodes.length > 1000;
  var visNodes = new vis.DataSet(D.nodes.map(function (n) {
    var st = D.styles[n.type];
    var fill = n.groupColor || st.color;
    var o = { id: n.id, label: n.label, shape: st.shape, value: n.value,
              title: T.types[n.type] + " — " + n.name,
              color: { background: fill, border: st.color,
                       highlight: { background: fill, border: "#000" } },
              borderWidth: n.groupColor ? 3 : 1 };
    if (typeof n.x === "number") { o.x = n.x; o.y = n.y; }
    return o;
  }));
  var visEdges = new vis.DataSet(D.edges.map(function (e) {
    return { id: e.id, from: e.from, to: e.to, title: relText(e.rel), arrows: "to" };
  }));
  var options = {
    autoResize: true,
    layout: { improvedLayout: false, randomSeed: 1 },
    physics: { enabled: !!D.physics, solver: "forceAtlas2Based",
               stabilization: { enabled: !!D.physics, iterations: 150, fit: true } },
    nodes: { scaling: { min: 6, max: 40, label: { enabled: false } },
             font: { size: 13, face: "system-ui, DejaVu Sans, sans-serif" } },
    edges: { smooth: false, color: { color: "#9a9a9a", highlight: "#222", opacity: 0.7 },
             width: 1, arrows: { to: { scaleFactor: 0.4 } }, selectionWidth: 2 },
    interaction: { hover: true, tooltipDelay: 150, hideEdgesOnDrag: many,
                   hideEdgesOnZoom: many, navigationButtons: false, keyboard: false }
  };
  var network = new vis.Network($("graph"), { nodes: visNodes, edges: visEdges }, options);
  window.kgNetwork = network;  // for tests and the console; read-only use
  network.once("afterDrawing", function () {
    window.kgFirstDraw = performance.now();
    document.body.dataset.ready = "1";
  });

  /* ---------- header, legend */
  $("heading").textContent = D.title;
  $("search").placeholder = UI.search;
  $("search").setAttribute("aria-label", UI.search);
  $("types-label").textContent = UI.types;
  $("theme-label").textContent = UI.theme;
  $("focus").textContent = UI.focus;
  $("depth").title = UI.depth;
  $("reset").textContent = UI.reset;
  $("physics-label").textContent = UI.physics;
  $("physics").checked = !!D.physics;
  $("close").title = UI.close;
  var legend = $("legend");
  legend.appendChild(el("strong", UI.legend));
  var present = new Set(D.nodes.map(function (n) { return n.type; }));
  D.types.forEach(function (t) {
    var row = el("div"), sym = el("span", D.styles[t].symbol, "sym");
    sym.style.color = D.styles[t].color;
    row.appendChild(sym);
    row.appendChild(document.createTextNode(T.types[t]));
    legend.appendChild(row);
    var lab = el("label"), box = el("input");
    box.type = "checkbox"; box.checked = true; box.value = t; box.disabled = !present.has(t);
    box.dataset.type = t;
    box.addEventListener("change", function () { state.types[t] = box.checked; apply(); });
    lab.appendChild(box);
    lab.appendChild(document.createTextNode(" " + T.types[t]));
    $("typefilter").appendChild(lab);
  });
  if (D.grouped) legend.appendChild(el("div", UI.colorGroup));
  var themeSel = $("theme");
  themeSel.appendChild(new Option(UI.allThemes, ""));
  D.nodes.filter(function (n) { return n.type === "theme"; })
    .sort(function (a, b) { return a.label.localeCompare(b.label); })
    .forEach(function (n) { themeSel.appendChild(new Option(n.label, n.id)); });

  /* ---------- filters */
  var state = { types: {}, theme: "", focus: null };
  D.types.forEach(function (t) { state.types[t] = true; });
  var hidden = new Set();

  function themeSet(tid) {
    var themes = new Set([tid]), todo = [tid];
    while (todo.length) {  // narrower themes: their edge "broader" points to the theme
      var t = todo.pop();
      adj.get(t).forEach(function (a) {
        if (!a.out && a.rel.indexOf("broader") >= 0 && !themes.has(a.other)) {
          themes.add(a.other); todo.push(a.other);
        }
      });
    }
    var keep = new Set(themes);
    D.nodes.forEach(function (n) {
      if (n.themes && n.themes.some(function (x) { return themes.has(x); })) keep.add(n.id);
    });
    Array.from(keep).forEach(function (id) {  // the people of what is kept
      adj.get(id).forEach(function (a) {
        if (byId.get(a.other).type === "thinker") keep.add(a.other);
      });
    });
    return keep;
  }
  function ball(id, depth) {
    var seen = new Set([id]), frontier = [id];
    for (var d = 0; d < depth; d++) {
      var next = [];
      frontier.forEach(function (x) {
        adj.get(x).forEach(function (a) {
          if (!seen.has(a.other)) { seen.add(a.other); next.push(a.other); }
        });
      });
      frontier = next;
    }
    return seen;
  }
  function apply() {
    var tset = state.theme ? themeSet(state.theme) : null;
    var updates = [];
    D.nodes.forEach(function (n) {
      var show = state.types[n.type] && (!tset || tset.has(n.id)) &&
                 (!state.focus || state.focus.has(n.id));
      if (show === hidden.has(n.id)) {
        updates.push({ id: n.id, hidden: !show });
        if (show) hidden.delete(n.id); else hidden.add(n.id);
      }
    });
    if (updates.length) visNodes.update(updates);
    count();
  }
  function count() {
    var shown = D.nodes.length - hidden.size, edges = 0;
    D.edges.forEach(function (e) { if (!hidden.has(e.from) && !hidden.has(e.to)) edges++; });
    $("count").textContent = shown + " " + UI.shown + " · " + edges + " " + UI.edges;
    $("count").dataset.nodes = shown;
    $("count").dataset.edges = edges;
  }
  function reset() {
    state.theme = ""; state.focus = null; themeSel.value = "";
    D.types.forEach(function (t) { state.types[t] = true; });
    Array.prototype.forEach.call($("typefilter").querySelectorAll("input"), function (b) {
      b.checked = true;
    });
    apply();
    network.fit({ animation: false });
  }
  themeSel.addEventListener("change", function () {
    state.theme = themeSel.value; apply(); network.fit({ animation: false });
  });
  $("reset").addEventListener("click", reset);
  $("focus").addEventListener("click", function () {
    var sel = network.getSelectedNodes();
    if (!sel.length) { message(UI.selectFirst); return; }
    state.focus = ball(sel[0], Number($("depth").value) || 1);
    apply();
    network.fit({ nodes: Array.from(state.focus), animation: false });
  });
  $("physics").addEventListener("change", function () {
    network.setOptions({ physics: { enabled: $("physics").checked } });
  });

  /* ---------- message */
  var msgTimer = null;
  function message(text) {
    var m = $("message");
    m.textContent = text; m.hidden = false;
    clearTimeout(msgTimer);
    msgTimer = setTimeout(function () { m.hidden = true; }, 4000);
  }

  /* ---------- panel */
  function nodeLink(id, name) {
    if (!byId.has(id)) return el("span", name);
    var a = el("a", name);
    a.href = "#" + encodeURIComponent(id);
    return a;
  }
  function showPanel(id) {
    var n = byId.get(id);
    if (!n) return;
    $("panel-type").textContent = T.types[n.type];
    $("panel-title").textContent = n.name;
    var dl = $("panel-fields");
    dl.textContent = "";
    function row(label, dd) { dl.appendChild(el("dt", label)); dl.appendChild(dd); }
    n.fields.forEach(function (f) {
      var dd = el("dd");
      if (f.ids) {
        if (!f.ids.length) return;
        f.ids.forEach(function (x, i) { dd.appendChild(nodeLink(x, f.names[i])); });
      } else if (f.url && safeUrl(f.url)) {
        var a = el("a", f.v);
        a.href = safeUrl(f.url); a.target = "_blank"; a.rel = "noopener noreferrer";
        dd.appendChild(a);
      } else {
        dd.textContent = f.v;
      }
      row(T.fields[f.k] || f.k, dd);
    });
    if (n.group !== undefined) row(T.fields.group, el("dd", n.group));
    if (n.measure === "size") row(T.fields.size, el("dd", n.value));
    row(T.fields.id, el("dd", n.id));
    var nb = el("dd");
    var ul = el("ul");
    adj.get(id).forEach(function (a) {
      var o = byId.get(a.other), li = el("li");
      li.appendChild(el("span", relText(a.rel, !a.out) + (D.lang === "fr" ? " : " : ": ")));
      li.appendChild(nodeLink(o.id, o.label));
      ul.appendChild(li);
    });
    nb.appendChild(ul);
    row(T.fields.neighbours + " (" + adj.get(id).length + ")", nb);
    $("panel").hidden = false;
    $("panel").dataset.node = id;
  }
  $("close").addEventListener("click", function () { $("panel").hidden = true; });

  function focusNode(id, fromHash) {
    if (!byId.has(id)) { message(UI.notFound + " " + id); return false; }
    if (hidden.has(id)) reset();
    network.selectNodes([id]);
    showPanel(id);
    var shift = $("panel").offsetWidth < $("graph").offsetWidth * 0.6 ? $("panel").offsetWidth / 2 : 0;
    network.focus(id, { scale: Math.max(network.getScale(), 1.0), animation: false,
                        offset: { x: -shift, y: 0 } });
    if (!fromHash) {
      try { history.replaceState(null, "", "#" + encodeURIComponent(id)); } catch (e) { /* file: */ }
    }
    return true;
  }
  network.on("click", function (p) {
    if (p.nodes.length) focusNode(p.nodes[0]);
  });

  /* ---------- search */
  var results = $("results"), search = $("search"), found = [];
  function find(q) {
    q = fold(q).trim();
    if (!q) return [];
    var starts = [], inside = [];
    D.nodes.forEach(function (n) {
      if (hidden.has(n.id) && !state.types[n.type]) return;
      var lab = fold(n.label);
      if (lab.indexOf(q) === 0 || n.id === q) starts.push(n);
      else if (n.search.indexOf(q) >= 0) inside.push(n);
    });
    return starts.concat(inside).slice(0, 30);
  }
  function showResults() {
    found = find(search.value);
    results.textContent = "";
    if (!search.value.trim()) { results.hidden = true; return; }
    if (!found.length) results.appendChild(el("li", UI.noResult, "none"));
    found.forEach(function (n) {
      var li = el("li");
      var sym = el("span", D.styles[n.type].symbol, "sym");
      sym.style.color = D.styles[n.type].color;
      li.appendChild(sym);
      li.appendChild(document.createTextNode(n.label));
      li.title = T.types[n.type];
      li.dataset.id = n.id;
      li.addEventListener("mousedown", function (ev) {
        ev.preventDefault(); pick(n.id);
      });
      results.appendChild(li);
    });
    results.hidden = false;
  }
  function pick(id) { results.hidden = true; focusNode(id); }
  search.addEventListener("input", showResults);
  search.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") { ev.preventDefault(); showResults(); if (found.length) pick(found[0].id); }
    else if (ev.key === "Escape") { results.hidden = true; }
  });
  search.addEventListener("blur", function () { results.hidden = true; });

  /* ---------- deep link */
  function fromHash() {
    var h = location.hash.slice(1);
    if (!h) return;
    var id;
    try { id = decodeURIComponent(h); } catch (e) { id = h; }
    if (!byId.has(id) && keyIndex.has(fold(id))) id = keyIndex.get(fold(id));
    focusNode(id, true);
  }
  window.addEventListener("hashchange", fromHash);

  count();
  network.fit({ animation: false });
  fromHash();
})();
