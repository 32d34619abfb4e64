/* kg graph page. Every text of the data is set with textContent or as a DOM property: the
   bibliography is data, never markup. Links are made only for http(s) urls and for node ids.

   First sight is the map of ideas (themes, thinkers, works); quotes, claims and the other authors
   (names of works that are not thinkers) appear when one zooms in, focuses or filters. Labels are drawn by this script
   over vis-network's canvas, the themes first, then the most important, at a readable size, and
   only where they overlap nothing already drawn (window.kgLabels lists them, for the tests);
   before the first frame, the works and thinkers on a theme or its label are moved aside
   (makeRoom). */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("kg-data").textContent);
  var T = D.text, UI = T.ui, ST = T.status;
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
  function colon() { return D.lang === "fr" ? " : " : ": "; }
  function person(n) { return n.type === "thinker" || n.type === "contributor"; }
  function number(v) {
    return Number(v).toLocaleString(D.lang, { maximumSignificantDigits: 3 });
  }

  /* ---------- colours: the system's scheme */
  var darkQuery = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  function scheme() { return darkQuery && darkQuery.matches ? D.schemes.dark : D.schemes.light; }
  var C = scheme();
  function statusStyle(n) {
    return n.status && D.statusStyles[n.status] ? D.statusStyles[n.status] : null;
  }
  function fillOf(n) {
    var s = statusStyle(n);
    return n.groupColor || (s && s.color) || D.styles[n.type].color;
  }
  function visNode(n) {
    var st = D.styles[n.type], s = statusStyle(n), fill = fillOf(n);
    var hollow = s && s.hollow;
    return { id: n.id, shape: st.shape, value: n.weight + 1,
             title: T.types[n.type] + " — " + n.name,
             color: { background: hollow ? C.background : fill, border: s ? s.color : st.color,
                      highlight: { background: hollow ? C.background : fill, border: C.text },
                      hover: { background: hollow ? C.background : fill, border: C.text } },
             borderWidth: n.groupColor || hollow ? 3 : 1.5,
             shapeProperties: { borderDashes: s && s.dashed ? [4, 3] : false } };
  }

  /* ---------- vis data */
  var many = D.nodes.length > 1000;
  var small = D.nodes.length <= 40;  // a small page shows everything at once
  var home = new Map();  // the computed layout, to come back to after the physics
  var visNodes = new vis.DataSet(D.nodes.map(function (n) {
    var o = visNode(n);
    if (typeof n.x === "number") { o.x = n.x; o.y = n.y; home.set(n.id, { x: n.x, y: n.y }); }
    o.hidden = n.level > 0 && !small;
    return o;
  }));
  var visEdges = new vis.DataSet(D.edges.map(function (e) {
    return { id: e.id, from: e.from, to: e.to, title: relText(e.rel) };
  }));
  var options = {
    autoResize: true,
    layout: { improvedLayout: false, randomSeed: 1 },
    physics: { enabled: !!D.physics, solver: "forceAtlas2Based",
               stabilization: { enabled: !!D.physics, iterations: 150, fit: true } },
    nodes: { scaling: { min: 5, max: 22, label: { enabled: false },
                        customScalingFunction: function (min, max, total, value) {
                          if (max === min) return 0.3;
                          return (Math.sqrt(value) - Math.sqrt(min)) /
                                 (Math.sqrt(max) - Math.sqrt(min));
                        } },
             font: { size: 0 } },
    edges: { smooth: false, color: { color: C.edge, highlight: C.text, hover: C.text,
                                     opacity: 0.6 },
             // arrow heads cost a third of a frame on a big graph: its tooltips name the link
             width: 1, arrows: { to: { enabled: !many, scaleFactor: 0.35 } }, selectionWidth: 2 },
    interaction: { hover: true, tooltipDelay: 150, hideEdgesOnDrag: many,
                   hideEdgesOnZoom: many, navigationButtons: false, keyboard: false }
  };
  var network = new vis.Network($("graph"), { nodes: visNodes, edges: visEdges }, options);
  window.kgNetwork = network;  // for tests and the console; read-only use
  network.once("afterDrawing", function () {
    window.kgFirstDraw = performance.now();
    document.body.dataset.ready = "1";
  });

  /* ---------- labels drawn over the canvas */
  // the themes first (the map of ideas), then by importance
  function labelsFirst(n) { return n.rank >= 1000 ? 2 : n.type === "theme" ? 1 : 0; }
  var byRank = D.nodes.slice().sort(function (a, b) {
    return labelsFirst(b) - labelsFirst(a) || b.rank - a.rank || a.label.length - b.label.length;
  });
  window.kgLabels = [];
  function fontPx(n) { return n.rank >= 1000 ? 15 : n.level === 0 && n.rank >= 8 ? 14 : n.level === 0 ? 13 : 12; }
  function fontOf(n) { return (n.level === 0 && n.type !== "work" ? "600 " : "") + fontPx(n) + "px " + C.font; }
  var measurer = document.createElement("canvas").getContext("2d"), widths = new Map();
  function labelWidth(n) {  // px on the screen, whatever the zoom
    if (!widths.has(n.id)) { measurer.font = fontOf(n); widths.set(n.id, measurer.measureText(n.label).width); }
    return widths.get(n.id);
  }
  function legendBox() {  // the legend over the graph, in its px (none on a phone)
    var lg = $("legend"), g = $("graph");
    if (!lg || !lg.offsetWidth) return null;
    var a = lg.getBoundingClientRect(), o = g.getBoundingClientRect();
    return { id: "legend", l: a.left - o.left, r: a.right - o.left, t: a.top - o.top,
             b: a.bottom - o.top };
  }
  function drawLabels(ctx) {
    var view = network.body.view, sc = view.scale, tr = view.translation;
    var canvas = ctx.canvas, dpr = canvas.width / (canvas.clientWidth || 1);
    var W = canvas.clientWidth, H = canvas.clientHeight;
    var CELL = 48, grid = new Map(), drawn = [];
    function cells(b, f) {
      for (var gx = Math.floor(b.l / CELL); gx <= Math.floor(b.r / CELL); gx++)
        for (var gy = Math.floor(b.t / CELL); gy <= Math.floor(b.b / CELL); gy++) f(gx + "," + gy);
    }
    function put(b) { cells(b, function (k) { (grid.get(k) || grid.set(k, []).get(k)).push(b); }); }
    function free(b, own) {
      var ok = true;
      cells(b, function (k) {
        if (!ok) return;
        var list = grid.get(k);
        if (list) for (var i = 0; i < list.length; i++) {
          var o = list[i];
          if (o.id !== own && o.l < b.r && b.l < o.r && o.t < b.b && b.t < o.b) { ok = false; return; }
        }
      });
      return ok;
    }
    var shown = [], legend = legendBox();
    if (legend) put(legend);  // no label under the legend
    byRank.forEach(function (n) {
      var v = network.body.nodes[n.id];
      if (!v || hidden.has(n.id) || !v.shape || !v.shape.boundingBox) return;
      var bb = v.shape.boundingBox;
      var b = { id: n.id, l: bb.left * sc + tr.x, r: bb.right * sc + tr.x,
                t: bb.top * sc + tr.y, b: bb.bottom * sc + tr.y };
      if (b.r < 0 || b.l > W || b.b < 0 || b.t > H) return;
      shown.push({ n: n, box: b });
      put(b);
    });
    ctx.save();
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.textBaseline = "top";
    ctx.lineJoin = "round";
    shown.forEach(function (s) {
      var n = s.n, b = s.box;
      if (!free(b, n.id)) return;  // a node on another: no label, it could not be read
      var px = fontPx(n);
      ctx.font = fontOf(n);
      var w = labelWidth(n), h = px * 1.25;
      var cx = (b.l + b.r) / 2, cy = (b.t + b.b) / 2;
      var spots = [{ l: cx - w / 2, t: b.b + 2 }, { l: b.r + 4, t: cy - h / 2 },
                   { l: cx - w / 2, t: b.t - 2 - h }, { l: b.l - 4 - w, t: cy - h / 2 }];
      for (var i = 0; i < spots.length; i++) {
        var lb = { id: n.id, l: spots[i].l, r: spots[i].l + w, t: spots[i].t, b: spots[i].t + h };
        var both = { id: n.id, l: Math.min(lb.l, b.l), r: Math.max(lb.r, b.r),
                     t: Math.min(lb.t, b.t), b: Math.max(lb.b, b.b) };
        if (lb.l < 0 || lb.r > W || lb.t < 0 || lb.b > H) continue;
        if (!free(both, n.id)) continue;  // the node and its label, as one box
        put(both);
        ctx.lineWidth = 3; ctx.strokeStyle = C.halo; ctx.fillStyle = C.text;
        ctx.strokeText(n.label, lb.l, lb.t + px * 0.1);
        ctx.fillText(n.label, lb.l, lb.t + px * 0.1);
        drawn.push({ id: n.id, x: lb.l, y: lb.t, w: w, h: h, px: px,
                     node: { x: b.l, y: b.t, w: b.r - b.l, h: b.b - b.t },
                     box: { x: both.l, y: both.t, w: both.r - both.l, h: both.b - both.t } });
        break;
      }
    });
    // badges: what a claim's or a quote's colour says, in a sign (contested, unsourced, no locator)
    shown.forEach(function (s) {
      var n = s.n, b = s.box, mark = n.status === "contested" ? "!" :
        (n.status === "unsourced" || (n.type === "quote" && !n.locator)) ? "?" : "";
      if (!mark || b.r - b.l < 8) return;
      ctx.font = "bold 11px " + C.font;
      ctx.fillStyle = C.badge; ctx.beginPath();
      ctx.arc(b.r, b.t, 6.5, 0, 2 * Math.PI); ctx.fill();
      ctx.fillStyle = C.badgeText; ctx.textAlign = "center"; ctx.textBaseline = "middle";
      ctx.fillText(mark, b.r, b.t + 0.5);
      ctx.textAlign = "start"; ctx.textBaseline = "top";
    });
    ctx.restore();
    window.kgLabels = drawn;
  }
  network.on("afterDrawing", drawLabels);

  /* ---------- header, legend */
  $("heading").textContent = D.title;
  $("search").placeholder = UI.search;
  $("search").setAttribute("aria-label", UI.search);
  $("menu").textContent = UI.menu;
  $("types-label").textContent = UI.types;
  $("status-label").textContent = UI.status;
  $("theme-label").textContent = UI.theme;
  $("focus").textContent = UI.focus;
  $("depth-label").textContent = UI.depth;
  $("fit").textContent = UI.fit;
  $("reset").textContent = UI.reset;
  $("details-label").textContent = UI.details;
  $("details-label").parentNode.title = UI.detailsHelp;
  $("physics-label").textContent = UI.physics;
  $("physics").checked = !!D.physics;
  $("style-label").textContent = UI.style;
  $("copy-view").textContent = UI.copyView;
  $("copy-view").title = $("bib-view").title = $("csl-view").title = UI.viewHelp;
  $("bib-view").textContent = "BibTeX";
  $("csl-view").textContent = "CSL-JSON";
  $("copy").textContent = UI.copy;
  $("bib").textContent = "BibTeX";
  $("csl").textContent = "CSL-JSON";
  $("close").setAttribute("aria-label", UI.close);
  $("close").title = UI.close;
  $("empty-reset").textContent = UI.reset;
  $("graph").setAttribute("aria-label", D.title);
  // references as `kg cite KEY --style S` prints them, when `kg viz` wrote the page
  var styled = Object.keys(D.citeStyles).length > 0;
  Object.keys(D.citeStyles).forEach(function (k) {
    $("style").appendChild(new Option(D.citeStyles[k], k));
  });
  $("style").title = UI.styleHelp + (D.citeLocale || "");
  ["style", "style-label", "copy-view", "copy"].forEach(function (x) { $(x).hidden = !styled; });
  var OUTLINE = { "★": "☆", "▲": "△", "■": "□", "●": "○", "◆": "◇", "⬢": "⬡" };
  function swatch(color, symbol, hollow, dashed) {
    var sym = el("span", hollow ? OUTLINE[symbol] || symbol : symbol, "sym");
    sym.style.color = color;
    if (dashed) sym.classList.add("dashed");
    sym.setAttribute("aria-hidden", "true");
    return sym;
  }
  var legend = $("legend");
  legend.appendChild(el("strong", UI.legend));
  var present = new Set(D.nodes.map(function (n) { return n.type; }));
  var perType = {};
  D.nodes.forEach(function (n) { perType[n.type] = (perType[n.type] || 0) + 1; });
  var statuses = [];
  D.nodes.forEach(function (n) { if (n.status && statuses.indexOf(n.status) < 0) statuses.push(n.status); });
  statuses.sort(function (a, b) { return D.statusOrder.indexOf(a) - D.statusOrder.indexOf(b); });
  D.types.forEach(function (t) {
    if (!present.has(t)) return;
    var row = el("div");
    row.dataset.type = t;
    row.appendChild(swatch(D.styles[t].color, D.styles[t].symbol));
    row.appendChild(document.createTextNode(T.typesPlural[t] + " (" + perType[t] + ")"));
    legend.appendChild(row);
  });
  statuses.forEach(function (s) {
    var row = el("div", null, "status"), st = D.statusStyles[s];
    row.appendChild(swatch(st.color, D.styles[st.type].symbol, st.hollow, st.dashed));
    row.appendChild(document.createTextNode(ST[s] || s));
    legend.appendChild(row);
  });
  if (D.grouped) {
    var groups = new Map();
    D.nodes.forEach(function (n) {
      if (n.group === undefined) return;
      var g = groups.get(n.group) || { color: n.groupColor, count: 0 };
      g.count++; groups.set(n.group, g);
    });
    legend.appendChild(el("div", UI.colorGroup, "group-title"));
    Array.from(groups.entries()).sort(function (a, b) { return b[1].count - a[1].count; })
      .slice(0, 10).forEach(function (g) {
        var row = el("div", null, "group");
        var sw = el("span", null, "swatch");
        sw.style.background = g[1].color;
        sw.setAttribute("aria-hidden", "true");
        row.appendChild(sw);
        row.appendChild(document.createTextNode(T.fields.group + " " + g[0] + " (" + g[1].count + ")"));
        legend.appendChild(row);
      });
  }
  D.types.forEach(function (t) {
    var lab = el("label"), box = el("input");
    box.type = "checkbox"; box.checked = true; box.value = t; box.disabled = !present.has(t);
    box.dataset.type = t;
    box.addEventListener("change", function () { state.types[t] = box.checked; apply(); });
    lab.appendChild(box);
    lab.appendChild(document.createTextNode(" "));
    lab.appendChild(swatch(D.styles[t].color, D.styles[t].symbol));
    lab.appendChild(document.createTextNode(T.typesPlural[t]));
    if (t === "contributor") lab.title = UI.othersHelp;
    $("typefilter").appendChild(lab);
  });
  statuses.forEach(function (s) {
    var lab = el("label"), box = el("input"), st = D.statusStyles[s];
    box.type = "checkbox"; box.checked = true; box.dataset.status = s;
    box.addEventListener("change", function () { state.status[s] = box.checked; apply(); });
    lab.appendChild(box);
    lab.appendChild(document.createTextNode(" "));
    lab.appendChild(swatch(st.color, D.styles[st.type].symbol, st.hollow, st.dashed));
    lab.appendChild(document.createTextNode(ST[s] || s));
    $("statusfilter").appendChild(lab);
  });
  if (!statuses.length) $("statusfilter").hidden = true;
  var themeSel = $("theme");
  themeSel.appendChild(new Option(UI.allThemes, ""));
  D.nodes.filter(function (n) { return n.type === "theme"; })
    .sort(function (a, b) { return a.label.localeCompare(b.label); })
    .forEach(function (n) { themeSel.appendChild(new Option(n.label, n.id)); });
  $("menu").addEventListener("click", function () {
    var open = document.body.classList.toggle("menu-open");
    $("menu").setAttribute("aria-expanded", open ? "true" : "false");
  });

  /* ---------- filters */
  var state = { types: {}, status: {}, theme: "", focus: null, root: null, details: small };
  $("details").checked = small;
  D.types.forEach(function (t) { state.types[t] = true; });
  statuses.forEach(function (s) { state.status[s] = true; });
  var hidden = new Set(D.nodes.filter(function (n) { return n.level > 0 && !small; })
    .map(function (n) { return n.id; }));
  var revealScale = Infinity, zoomed = false;

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
        if (person(byId.get(a.other))) keep.add(a.other);
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
  var tsetCache = { id: null, set: null };
  function filtered(n) {  // hidden by a filter the reader chose (not by the zoom level)
    if (!state.types[n.type]) return true;
    if (n.status && state.status[n.status] === false) return true;
    if (state.theme) {
      if (tsetCache.id !== state.theme) tsetCache = { id: state.theme, set: themeSet(state.theme) };
      if (!tsetCache.set.has(n.id)) return true;
    }
    return !!(state.focus && !state.focus.has(n.id));
  }
  function detailShown() { return state.details || !!state.theme || !!state.focus; }
  var target = null;  // the view a focus is about to move to
  function around() {  // the view and a tenth of it on each side, in canvas coordinates
    var g = $("graph"), sc = target ? target.scale : network.getScale();
    var c = target ? target.center : network.getViewPosition();
    var w = 0.6 * g.clientWidth / sc, h = 0.6 * g.clientHeight / sc;
    return { l: c.x - w, r: c.x + w, t: c.y - h, b: c.y + h };
  }
  function apply() {
    // zoomed in, the detail appears around the view only: a few nodes, not thousands
    var updates = [], details = detailShown(), box = zoomed && !details ? around() : null;
    D.nodes.forEach(function (n) {
      var near = false;
      if (box && n.level > 0) {
        var v = network.body.nodes[n.id];
        near = v.x >= box.l && v.x <= box.r && v.y >= box.t && v.y <= box.b;
      }
      var show = !filtered(n) && (n.level === 0 || details || near);
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
    var empty = shown === 0;
    $("empty").hidden = !empty;
    if (empty) {
      $("empty-text").textContent = state.focus && state.theme ? UI.emptyFocusTheme : UI.emptyFilter;
    }
  }
  function anyFilter() {
    return !!(state.theme || state.focus) ||
      D.types.some(function (t) { return !state.types[t]; }) ||
      statuses.some(function (s) { return !state.status[s]; });
  }
  function reset() {
    state.theme = ""; state.focus = null; state.root = null; themeSel.value = "";
    D.types.forEach(function (t) { state.types[t] = true; });
    statuses.forEach(function (s) { state.status[s] = true; });
    Array.prototype.forEach.call(document.querySelectorAll("#typefilter input, #statusfilter input"),
      function (b) { b.checked = true; });
    apply();
    fit();
  }
  themeSel.addEventListener("change", function () {
    state.theme = themeSel.value; apply(); fit();
  });
  $("reset").addEventListener("click", reset);
  $("empty-reset").addEventListener("click", reset);
  $("fit").addEventListener("click", function () { fit(); });
  $("details").addEventListener("change", function () {
    state.details = $("details").checked; apply();
  });
  function setFocus() {
    state.focus = ball(state.root, Number($("depth").value) || 1);
    apply();
    fit();
  }
  $("focus").addEventListener("click", function () {
    var sel = network.getSelectedNodes();
    if (!sel.length) { message(UI.selectFirst); return; }
    state.root = sel[0];
    setFocus();
  });
  $("depth").addEventListener("change", function () { if (state.root) setFocus(); });
  $("physics").addEventListener("change", function () {
    var on = $("physics").checked;
    network.setOptions({ physics: { enabled: on } });
    if (!on) {  // back to the computed layout
      visNodes.update(Array.from(home.entries()).map(function (e) {
        return { id: e[0], x: e[1].x, y: e[1].y };
      }));
      fit();
    }
  });

  /* ---------- fit: the visible nodes, in the room the side panel leaves */
  function panelRoom() {
    var p = $("panel"), g = $("graph");
    return !p.hidden && p.offsetWidth < g.offsetWidth * 0.7 ? p.offsetWidth : 0;
  }
  function radius(id) {
    var v = network.body.nodes[id];
    return v && v.options && typeof v.options.size === "number" ? v.options.size : 10;
  }
  // a theme's (or the page's root's) label has its room, unless it takes most of the screen
  function themeLabel(n, W) {
    return (n.type === "theme" || n.rank >= 1000) && labelWidth(n) + 8 <= (W - 80) * 2 / 3;
  }
  // the box a node and its label below it take, in canvas units at the scale sc
  function labelBox(n, x, y, sc, margin) {
    var r = radius(n.id), w = labelWidth(n) / sc / 2, m = margin / sc;
    return { l: x - Math.max(r, w) - m, r: x + Math.max(r, w) + m, t: y - r - m,
             b: y + r + (2 + fontPx(n) * 1.25) / sc + m };
  }
  // the scale and centre that show the nodes of list and their themes' labels below them;
  // for the labels, the nodes' own scale shrinks by a quarter at most (a phone's narrow screen)
  var roomFor = null;  // the themes first sight made room for (their labels are framed)
  function frame(list, pos, W, H) {
    var pad = 40, scale = Infinity, least = 0.02, box;
    for (var round = 0; round < 5; round++) {
      box = { l: Infinity, r: -Infinity, t: Infinity, b: -Infinity };
      list.forEach(function (id) {
        var p = pos[id], n = byId.get(id);
        var b = round && themeLabel(n, W) && (!roomFor || roomFor.has(id))
          ? labelBox(n, p.x, p.y, scale, 0)
          : { l: p.x, r: p.x, t: p.y, b: p.y };
        box.l = Math.min(box.l, b.l); box.r = Math.max(box.r, b.r);
        box.t = Math.min(box.t, b.t); box.b = Math.max(box.b, b.b);
      });
      var next = Math.min((W - 2 * pad) / Math.max(box.r - box.l, 1),
                          (H - 2 * pad) / Math.max(box.b - box.t, 1));
      next = Math.max(Math.min(next, 1.6), least);
      if (!round) least = Math.max(next * 0.75, 0.02);
      else if (next >= scale * 0.99) break;
      scale = next;
    }
    return { scale: scale, x: (box.l + box.r) / 2, y: (box.t + box.b) / 2 };
  }
  function fit(ids) {
    var list = ids || D.nodes.filter(function (n) { return !hidden.has(n.id); })
      .map(function (n) { return n.id; });
    if (!list.length) return;
    var g = $("graph"), room = panelRoom();
    var f = frame(list, network.getPositions(list), Math.max(g.clientWidth - room, 100),
                  g.clientHeight);
    network.moveTo({ position: { x: f.x + room / 2 / f.scale, y: f.y },
                     scale: f.scale, animation: false });
    return f.scale;
  }

  /* ---------- first sight: room for the labels of the themes. The map is stretched to the
     shape of the screen; a hub sits among its works and thinkers: they are moved aside (each
     one's detail with it), within the screen, until the theme and its label below it meet no
     other node, at the scale that shows the whole map. */
  function makeRoom() {
    var g = $("graph"), W = Math.max(g.clientWidth, 100), H = Math.max(g.clientHeight, 100);
    var shown = D.nodes.filter(function (n) { return !hidden.has(n.id) && home.has(n.id); });
    if (shown.length < 3 || D.physics) return;
    var t0 = performance.now();
    var pos = {}, ids = shown.map(function (n) { return n.id; });
    shown.forEach(function (n) { var h = home.get(n.id); pos[n.id] = { x: h.x, y: h.y }; });
    // the themes (and a page's root), the most important first, while their labels take
    // at most a fifth of the screen: a phone or a page of thousands gets room for a few
    var area = 0, wanted = shown.filter(function (n) { return themeLabel(n, W); }).sort(function (a, b) {
      return b.rank - a.rank || a.id.localeCompare(b.id);
    }).filter(function (n) {
      area += (labelWidth(n) + 8) * (fontPx(n) * 1.25 + 8);
      return area <= W * H / 5;
    });
    if (!wanted.length) return;
    var keep = new Set(wanted.map(function (n) { return n.id; }));
    roomFor = keep;
    // the shape of the screen
    var x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    ids.forEach(function (id) {
      x0 = Math.min(x0, pos[id].x); x1 = Math.max(x1, pos[id].x);
      y0 = Math.min(y0, pos[id].y); y1 = Math.max(y1, pos[id].y);
    });
    // (less the width of a label: labels on both edges reach out of the nodes' frame)
    var half = wanted.map(labelWidth).sort(function (a, b) { return a - b; })[wanted.length >> 1];
    var want = Math.max(W - 80 - half, 40) / (H - 80), have = (x1 - x0) / Math.max(y1 - y0, 1);
    var cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, kx = 1, ky = 1;
    if (have < want) kx = want / have; else ky = have / want;
    ids.forEach(function (id) {
      pos[id].x = cx + (pos[id].x - cx) * kx; pos[id].y = cy + (pos[id].y - cy) * ky;
    });
    var f = frame(ids, pos, W, H), sc = f.scale;
    var lim = { l: f.x - (W / 2 - 40) / sc, r: f.x + (W / 2 - 40) / sc,
                t: f.y - (H / 2 - 40) / sc, b: f.y + (H / 2 - 40) / sc };
    var MARGIN = 4, boxes = new Map(), cell = 0;
    function boxOf(n) {
      var p = pos[n.id], r = radius(n.id);
      return keep.has(n.id) ? labelBox(n, p.x, p.y, sc, MARGIN)
        : { l: p.x - r, r: p.x + r, t: p.y - r, b: p.y + r };
    }
    function shift(id, mx, my, dry) {  // within the screen (the label too); how far it went
      var p = pos[id], b = boxes.get(id);
      if (keep.has(id)) {  // a box wider than the screen stays where it is
        mx = Math.max(Math.min(mx, lim.r - b.r), Math.min(lim.l - b.l, 0));
        my = Math.max(Math.min(my, lim.b - b.b), Math.min(lim.t - b.t, 0));
      }
      var nx = Math.min(Math.max(p.x + mx, lim.l), lim.r),
          ny = Math.min(Math.max(p.y + my, lim.t), lim.b);
      var done = Math.abs(nx - p.x) + Math.abs(ny - p.y);
      if (dry) return done;
      b.l += nx - p.x; b.r += nx - p.x; b.t += ny - p.y; b.b += ny - p.y;
      p.x = nx; p.y = ny;
      if (done) place(id);
      return done;
    }
    wanted.forEach(function (n) {
      var b = labelBox(n, 0, 0, sc, MARGIN);
      cell = Math.max(cell, b.b - b.t);  // a label's height: a cell holds a few nodes
    });
    // a grid of the boxes, kept up to date as they move: a round costs the themes'
    // neighbours, not the whole page
    var grid = new Map(), where = new Map();
    function place(id) {
      var b = boxes.get(id), keys = [], old = where.get(id);
      for (var gx = Math.floor(b.l / cell); gx <= Math.floor(b.r / cell); gx++)
        for (var gy = Math.floor(b.t / cell); gy <= Math.floor(b.b / cell); gy++)
          keys.push(gx + "," + gy);
      if (old && old.join(" ") === keys.join(" ")) return;
      if (old) old.forEach(function (k) { var l = grid.get(k); l.splice(l.indexOf(id), 1); });
      keys.forEach(function (k) { (grid.get(k) || grid.set(k, []).get(k)).push(id); });
      where.set(id, keys);
    }
    shown.forEach(function (n) { boxes.set(n.id, boxOf(n)); place(n.id); });
    var lg = legendBox(), under = lg && { l: f.x + (lg.l - 8 - W / 2) / sc,
      r: f.x + (lg.r + 8 - W / 2) / sc, t: f.y + (lg.t - 8 - H / 2) / sc,
      b: f.y + (lg.b + 8 - H / 2) / sc };
    var pushes = new Map();
    // how much is still covered: each theme whose box (its label's) meets another node or the
    // legend, the most important counting most (0: every wanted label has its room)
    function covered() {
      var bad = 0;
      wanted.forEach(function (n, i) {
        var a = boxes.get(n.id), hit = under && a.l < under.r && under.l < a.r &&
          a.t < under.b && under.t < a.b;
        for (var gx = Math.floor(a.l / cell); !hit && gx <= Math.floor(a.r / cell); gx++)
          for (var gy = Math.floor(a.t / cell); !hit && gy <= Math.floor(a.b / cell); gy++)
            (grid.get(gx + "," + gy) || []).forEach(function (o) {
              work++;
              var b = boxes.get(o);
              if (o !== n.id && a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b) hit = true;
            });
        if (hit) bad += wanted.length - i;
      });
      return bad;
    }
    // Rounds until nothing is covered or nothing moves, within a budget of work (boxes looked
    // at), not of time: the same page gets the same first sight on a fast machine and on a
    // loaded one. A crowded map may not settle (a node caught between two themes goes back and
    // forth): the best state met is kept.
    var WORK = 400000, work = 0, best = Infinity, kept = null, it;
    function remember(bad) {
      if (bad >= best) return;
      best = bad;
      kept = new Map();
      ids.forEach(function (id) { kept.set(id, { x: pos[id].x, y: pos[id].y }); });
    }
    for (it = 0; it < 300 && work < WORK; it++) {
      remember(covered());
      if (!best) break;
      var moved = 0;
      wanted.forEach(function (n) {
        var seen = new Set([n.id]), a = boxes.get(n.id);
        if (under && a.l < under.r && under.l < a.r && a.t < under.b && under.t < a.b) {
          // a theme and its label out from under the legend: above it or on its right
          var up = a.b - under.t, right = under.r - a.l;
          if (shift(n.id, up < right ? 0 : right, up < right ? -up : 0) > 1e-6) moved++;
        }
        for (var gx = Math.floor(a.l / cell); gx <= Math.floor(a.r / cell); gx++)
          for (var gy = Math.floor(a.t / cell); gy <= Math.floor(a.b / cell); gy++)
            (grid.get(gx + "," + gy) || []).slice().forEach(function (o) {
              work++;
              if (seen.has(o)) return;
              seen.add(o);
              var b = boxes.get(o);
              if (!(a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b)) return;
              // out the shorter way (the other if the screen's edge stops it);
              // two themes share the move
              var ax = (a.l + a.r) / 2, ay = (a.t + a.b) / 2;
              var bx = (b.l + b.r) / 2, by = (b.t + b.b) / 2;
              var sx = bx > ax || (bx === ax && o > n.id) ? 1 : -1, sy = by >= ay ? 1 : -1;
              var dx = sx * ((sx > 0 ? a.r - b.l : b.r - a.l) + 0.5 / sc);
              var dy = sy * ((sy > 0 ? a.b - b.t : b.b - a.t) + 0.5 / sc);
              // a node caught between two themes tries the longer way for a while, then the
              // shorter again...; the theme gives way a little (two themes share the move),
              // the hubs part to leave it room
              var pushed = (pushes.get(o) || 0) + 1;
              pushes.set(o, pushed);
              var short = Math.abs(dx) < Math.abs(dy) !== Math.floor(pushed / 16) % 2 > 0;
              var tries = short ? [[dx, 0], [0, dy]] : [[0, dy], [dx, 0]];
              // an entry tied to nothing of the map stays in its column: the theme moves
              var on = byId.get(o), share = keep.has(o) ? 0.5 : !on.weight ? 0 : 0.75;
              // the way the screen's edge lets it go (most of the way), else the other
              var go = function (d) {
                return shift(o, d[0] * share, d[1] * share, true) +
                       shift(n.id, -d[0] * (1 - share), -d[1] * (1 - share), true);
              };
              var d = tries[0], want = Math.abs(d[0] + d[1]);
              if (go(d) < want / 2 && go(tries[1]) > go(d)) d = tries[1];
              if (go(d) > 1e-6) {
                shift(o, d[0] * share, d[1] * share);
                shift(n.id, -d[0] * (1 - share), -d[1] * (1 - share));
                moved++;
              }
            });
      });
      if (!moved) break;
    }
    if (best) remember(covered());
    if (kept) kept.forEach(function (p, id) { pos[id].x = p.x; pos[id].y = p.y; });
    window.kgRoom = { themes: wanted.length, rounds: it, work: work, covered: best,
                      ms: performance.now() - t0 };
    // the moves, and the detail of each moved node with it
    var delta = new Map();
    shown.forEach(function (n) {
      var h = home.get(n.id), p = pos[n.id];
      if (p.x !== h.x || p.y !== h.y) delta.set(n.id, { x: p.x - h.x, y: p.y - h.y });
    });
    if (!delta.size) return;
    var updates = [];
    D.nodes.forEach(function (n) {
      var d = delta.get(n.id) || (n.anchor && !delta.has(n.id) && home.has(n.id) &&
                                  hidden.has(n.id) ? delta.get(n.anchor) : null);
      if (!d) return;
      var h = home.get(n.id), p = { x: h.x + d.x, y: h.y + d.y };
      home.set(n.id, p);
      updates.push({ id: n.id, x: p.x, y: p.y });
    });
    visNodes.update(updates);
  }
  network.on("zoom", function () {
    var z = network.getScale() >= revealScale;
    if (z !== zoomed || z) { zoomed = z; apply(); }
  });
  network.on("dragEnd", function () { if (zoomed) apply(); });

  /* ---------- message */
  var msgTimer = null;
  function message(text) {
    var m = $("message");
    m.textContent = text; m.hidden = false;
    clearTimeout(msgTimer);
    msgTimer = setTimeout(function () { m.hidden = true; }, 4000);
  }

  /* ---------- works of a selection; citations and downloads */
  function worksOf(ids) {
    var out = new Set();
    ids.forEach(function (id) {
      var n = byId.get(id);
      if (!n) return;
      if (n.type === "work") { out.add(id); return; }
      adj.get(id).forEach(function (a) { if (byId.get(a.other).type === "work") out.add(a.other); });
    });
    return Array.from(out).map(function (id) { return byId.get(id); }).sort(byStyle);
  }
  function byStyle(a, b) {  // the order of the style's bibliography
    var st = $("style").value, x = a.citeOrder ? a.citeOrder[st] : undefined,
        y = b.citeOrder ? b.citeOrder[st] : undefined;
    if (x !== undefined && y !== undefined) return x - y;
    return (x === undefined) - (y === undefined) || a.name.localeCompare(b.name);
  }
  function viewWorks() {
    return D.nodes.filter(function (n) { return n.type === "work" && !filtered(n); })
      .sort(byStyle);
  }
  function citations(works) {
    var style = $("style").value;
    return works.filter(function (w) { return w.cite && w.cite[style]; })
      .map(function (w) { return w.cite[style]; }).join("\n");
  }
  function copyText(text) {
    window.kgCopied = text;
    function fallback() {
      var ta = el("textarea");
      ta.value = text; ta.setAttribute("readonly", ""); ta.className = "offscreen";
      document.body.appendChild(ta); ta.select();
      try { document.execCommand("copy"); } catch (e) { /* nothing more to try */ }
      document.body.removeChild(ta);
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).catch(fallback);
    } else {
      fallback();
    }
    message(UI.copied);
  }
  function download(name, type, text) {
    var url = URL.createObjectURL(new Blob([text], { type: type }));
    var a = el("a");
    a.href = url; a.download = name; a.className = "offscreen";
    document.body.appendChild(a); a.click(); document.body.removeChild(a);
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }
  function bibtex(works) { return works.map(function (w) { return w.bibtex; }).join("\n"); }
  function cslJson(works) {
    // a work the bibliography did not hold when the page was written has none
    return JSON.stringify(works.filter(function (w) { return w.csl; })
      .map(function (w) { return w.csl; }), null, 2) + "\n";
  }
  function panelWorks() { return $("panel").hidden ? [] : worksOf([$("panel").dataset.node]); }
  function exportAll(works, what) {
    if (!works.length) { message(UI.noWork); return; }
    if (what === "copy") copyText(citations(works));
    else if (what === "bib") download("selection.bib", "application/x-bibtex", bibtex(works));
    else download("selection.json", "application/vnd.citationstyles.csl+json", cslJson(works));
  }
  $("copy").addEventListener("click", function () { exportAll(panelWorks(), "copy"); });
  $("bib").addEventListener("click", function () { exportAll(panelWorks(), "bib"); });
  $("csl").addEventListener("click", function () { exportAll(panelWorks(), "csl"); });
  $("copy-view").addEventListener("click", function () { exportAll(viewWorks(), "copy"); });
  $("bib-view").addEventListener("click", function () { exportAll(viewWorks(), "bib"); });
  $("csl-view").addEventListener("click", function () { exportAll(viewWorks(), "csl"); });
  $("style").addEventListener("change", function () {
    if (!$("panel").hidden) showCite(panelWorks());
  });

  /* ---------- panel */
  function nodeLink(id, name) {
    if (!byId.has(id)) return el("span", name);
    var a = el("a", name);
    a.href = "#" + encodeURIComponent(id);
    return a;
  }
  function badge(text, cls) { return el("span", text, "badge " + (cls || "")); }
  function provenance(n) {
    var out = [];
    if (n.status) out.push(badge(ST[n.status] || n.status, "st-" + n.status));
    if ((n.type === "quote" || n.type === "claim") && !n.locator) out.push(badge(UI.noLocator, "warn"));
    return out;
  }
  function showCite(works) {
    var box = $("cite-text"), st = $("style").value;
    box.textContent = "";
    if (styled) {
      works.slice(0, 20).forEach(function (w) {
        if (w.cite && w.cite[st]) box.appendChild(el("p", w.cite[st]));
      });
      if (works.length > 20) box.appendChild(el("p", "… +" + (works.length - 20)));
      if (works.length === 1 && works[0].intext && works[0].intext[st]) {
        box.appendChild(el("p", UI.intext + colon() + works[0].intext[st], "intext"));
      }
    }
    $("panel-cite").hidden = !works.length;
    $("cite-count").textContent = works.length > 1 ? works.length + " " + UI.works : "";
  }
  function showPanel(id) {
    var n = byId.get(id);
    if (!n) return;
    $("panel-type").textContent = [T.types[n.type]].concat((n.roles || []).map(function (r) {
      return T.inverse[r] || r;
    })).join(" · ");
    $("panel-title").textContent = n.name;
    var badges = $("panel-badges");
    badges.textContent = "";
    provenance(n).forEach(function (b) { badges.appendChild(b); });
    badges.hidden = !badges.childNodes.length;
    var dl = $("panel-fields");
    dl.textContent = "";
    function row(label, dd) { dl.appendChild(el("dt", label)); dl.appendChild(dd); }
    n.fields.forEach(function (f) {
      // the heading already shows a quote's text and a claim's statement: once is enough
      if ((f.k === "text" || f.k === "statement") && f.v === n.name) return;
      if (f.k === "status" && n.status) return;  // the badge under the heading says it
      if (f.k === "reference" && n.cite) return;  // the reference box above gives it, styled
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
    if ((n.type === "quote" || n.type === "claim") && !n.locator) {
      row(T.fields.locator, el("dd", UI.noLocator, "missing"));
    }
    if (n.group !== undefined) row(T.fields.group, el("dd", n.group));
    if (n.measure === "size") row(T.fields.size, el("dd", number(n.value)));
    if (n.leaves) row(T.fields.folded, el("dd", n.leaves + " " + UI.foldedNames));
    row(T.fields.id, el("dd", n.id));
    var nb = el("dd");
    var ul = el("ul");
    // grouped by type (thinkers, then other authors, works...), each with its symbol
    adj.get(id).slice().sort(function (a, b) {
      var x = byId.get(a.other), y = byId.get(b.other);
      return D.types.indexOf(x.type) - D.types.indexOf(y.type) || x.label.localeCompare(y.label);
    }).forEach(function (a) {
      var o = byId.get(a.other), li = el("li");
      li.dataset.type = o.type;
      li.appendChild(swatch(D.styles[o.type].color, D.styles[o.type].symbol));
      li.appendChild(el("span", relText(a.rel, !a.out) + colon()));
      li.appendChild(nodeLink(o.id, o.label));
      ul.appendChild(li);
    });
    nb.appendChild(ul);
    row(T.fields.neighbours + " (" + adj.get(id).length + ")", nb);
    showCite(worksOf([id]));
    $("panel").hidden = false;
    $("panel").dataset.node = id;
  }
  function closePanel() {
    $("panel").hidden = true;
    delete $("panel").dataset.node;
    network.unselectAll();
  }
  $("close").addEventListener("click", closePanel);

  function focusNode(id, fromHash) {
    if (!byId.has(id)) { message(UI.notFound + " " + id); return false; }
    if (filtered(byId.get(id))) reset();
    var scale = Math.max(network.getScale(), 1.0, byId.get(id).level > 0 ? revealScale : 0);
    showPanel(id);
    // the nodes to show first, then one move (a move draws at once: one frame, not three)
    var at = network.getPosition(id), room = panelRoom();
    target = { scale: scale, center: { x: at.x + room / 2 / scale, y: at.y } };
    zoomed = scale >= revealScale;
    apply();
    target = null;
    network.selectNodes([id]);
    network.focus(id, { scale: scale, animation: false, offset: { x: -room / 2, y: 0 } });
    if (!fromHash) {
      try { history.replaceState(null, "", "#" + encodeURIComponent(id)); } catch (e) { /* file: */ }
    }
    return true;
  }
  network.on("click", function (p) {
    if (p.nodes.length) focusNode(p.nodes[0]);
    else if (!p.edges.length) closePanel();
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && !$("panel").hidden && document.activeElement !== search) {
      closePanel();
    }
  });

  /* ---------- search: arrows move through the results, Enter opens, Escape closes */
  var results = $("results"), search = $("search"), found = [], active = -1;
  function find(q) {
    q = fold(q).trim();
    if (!q) return [];
    var starts = [], inside = [];
    D.nodes.forEach(function (n) {
      var lab = fold(n.label);
      if (lab.indexOf(q) === 0 || n.id === q) starts.push(n);
      else if (n.search.indexOf(q) >= 0) inside.push(n);
    });
    var all = starts.concat(inside);
    var open = all.filter(function (n) { return !filtered(n); });
    var masked = all.filter(function (n) { return filtered(n); });
    return open.concat(masked).slice(0, 30);
  }
  function setActive(i) {
    var items = results.querySelectorAll("li[role=option]");
    if (!items.length) { active = -1; return; }
    active = (i + items.length) % items.length;
    Array.prototype.forEach.call(items, function (li, k) {
      li.classList.toggle("active", k === active);
      li.setAttribute("aria-selected", k === active ? "true" : "false");
    });
    search.setAttribute("aria-activedescendant", items[active].id);
    items[active].scrollIntoView({ block: "nearest" });
  }
  var shownQuery = null;
  function showResults() {
    shownQuery = search.value;
    found = find(search.value);
    results.textContent = "";
    active = -1;
    search.removeAttribute("aria-activedescendant");
    if (!search.value.trim()) { closeResults(); return; }
    if (!found.length) results.appendChild(el("li", UI.noResult, "none"));
    var masked = found.filter(function (n) { return filtered(n); }).length;
    if (found.length && masked === found.length) {
      results.appendChild(el("li", masked + " " + UI.maskedAll, "none"));
    }
    // one group per type (thinkers and other authors apart), in the order of its best result
    var order = [], groups = {};
    found.forEach(function (n) {
      if (!groups[n.type]) { groups[n.type] = []; order.push(n.type); }
      groups[n.type].push(n);
    });
    found = [];
    order.forEach(function (t) { found = found.concat(groups[t]); });
    var list = null;
    found.forEach(function (n, i) {
      if (i === 0 || found[i - 1].type !== n.type) {
        var g = el("li"), head = el("div", T.typesPlural[n.type] + " (" + groups[n.type].length + ")",
                                     "heading");
        g.setAttribute("role", "group");
        g.dataset.type = n.type;
        head.id = "results-" + n.type;
        g.setAttribute("aria-labelledby", head.id);
        list = el("ul");
        list.setAttribute("role", "none");
        g.appendChild(head);
        g.appendChild(list);
        results.appendChild(g);
      }
      var li = el("li");
      li.id = "result-" + i;
      li.setAttribute("role", "option");
      var st = statusStyle(n);
      li.appendChild(swatch(st ? st.color : D.styles[n.type].color, D.styles[n.type].symbol,
                            st && st.hollow, st && st.dashed));
      li.appendChild(document.createTextNode(n.label));
      var extra = [T.types[n.type]];
      if (n.status) extra.push(ST[n.status] || n.status);
      if ((n.type === "quote" || n.type === "claim") && !n.locator) extra.push(UI.noLocator);
      if (filtered(n)) { extra.push(UI.masked); li.classList.add("masked"); }
      li.appendChild(el("span", extra.join(" · "), "meta"));
      li.dataset.id = n.id;
      li.addEventListener("mousedown", function (ev) {
        ev.preventDefault(); pick(n.id);
      });
      list.appendChild(li);
    });
    results.hidden = false;
    search.setAttribute("aria-expanded", "true");
  }
  function closeResults() {
    results.hidden = true;
    search.setAttribute("aria-expanded", "false");
    search.removeAttribute("aria-activedescendant");
  }
  function pick(id) { closeResults(); focusNode(id); }
  search.addEventListener("input", showResults);
  search.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      if (results.hidden) showResults();
      setActive(active + (ev.key === "ArrowDown" ? 1 : -1) + (active < 0 && ev.key === "ArrowUp" ? 1 : 0));
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      if (results.hidden || shownQuery !== search.value) showResults();
      if (found.length) pick(found[Math.max(active, 0)].id);
    } else if (ev.key === "Escape") {
      if (!results.hidden) closeResults(); else closePanel();
    }
  });
  search.addEventListener("blur", closeResults);

  /* ---------- the system's scheme may change while the page is open */
  function recolour() {
    C = scheme();
    visNodes.update(D.nodes.map(visNode));
    network.setOptions({ edges: { color: { color: C.edge, highlight: C.text, hover: C.text } } });
  }
  if (darkQuery && darkQuery.addEventListener) darkQuery.addEventListener("change", recolour);

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
  // the canvas takes the room the toolbar, now written, leaves it: vis-network would otherwise
  // shrink the first view at its next frame
  network.setSize("100%", "100%");
  makeRoom();
  var first = fit();
  // the detail appears once the reader zooms in well past the first sight
  revealScale = Math.max((first || 1) * 2.2, Math.min(0.9, (first || 1) * 4));
  window.kgRevealScale = revealScale;
  fromHash();
})();
