/* geozones zone editor: paint units into zones with live clients, hours and cost per zone,
   undo and redo, locks, contiguity and unassigned warnings, the solver's proposals, saving
   as a new version (and carrying edits over a version someone saved first), exports.
   The draft lives here; the JSON API reads the plan (GET /plans/<name>/editor), saves
   versions (POST /plans/<name>/versions) and solves (POST /plans/<name>/solve). */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("gz-config").textContent);
  var api = config.api + "/plans/" + encodeURIComponent(config.plan);
  var UNASSIGNED = "#ffffff";
  var PROBLEM = "#c00000";
  var WEEKS = 52;

  function $(id) { return document.getElementById(id); }

  var add = window.gzDom.add;

  // Leaflet shows a tooltip's string as HTML: zone names are anyone's, so give it text
  function textNode(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  function number(value, digits) {
    return value.toLocaleString("en-GB", { maximumFractionDigits: digits || 0, minimumFractionDigits: digits || 0 });
  }

  function pounds(value) { return "£" + number(value, 0); }

  var send = window.gzDom.send;

  function say(id, text, isError) {
    var node = $(id);
    node.textContent = text;
    node.className = "gz-status" + (isError ? " gz-error" : "");
  }

  // -- the draft: units, zones, locks; every change is undoable -------------------------

  var units = [];        // {code, name, district, clients, hours, cost, layer}
  var byCode = {};
  var zoneOf = [];       // zone name of each unit, or null
  var zones = [];        // {name, colour, target (hours a week or null), locked}
  var locked = {};       // unit index -> true
  var base = null;       // the stored version the draft is based on
  var baseZoneOf = [];   // that version's zones, to tell which units the draft moved
  var payload = null;
  var selected = null;   // the zone a click paints
  var undos = [], redos = [];
  var problems = {};     // unit index -> true: unassigned, or in a smaller piece of its zone
  var adjacency = [];    // unit index -> neighbour indices
  var map, unitLayer;

  function snapshot() {
    return {
      zoneOf: zoneOf.slice(),
      zones: zones.map(function (z) { return Object.assign({}, z); }),
      locked: Object.assign({}, locked),
      selected: selected
    };
  }

  function restore(state) {
    zoneOf = state.zoneOf.slice();
    zones = state.zones.map(function (z) { return Object.assign({}, z); });
    locked = Object.assign({}, state.locked);
    selected = state.selected;
  }

  // Run `change` as one undoable step; `changed` lists the units to redraw (all if null).
  function step(change, changed) {
    var before = snapshot();
    if (change() === false) { return; }
    undos.push(before);
    redos = [];
    refresh(changed);
  }

  function undo(from, to) {
    if (!from.length) { return; }
    to.push(snapshot());
    restore(from.pop());
    refresh(null);
  }

  function zone(name) {
    for (var i = 0; i < zones.length; i++) { if (zones[i].name === name) { return zones[i]; } }
    return null;
  }

  function colourOf(name) {
    var z = name === null ? null : zone(name);
    return z ? z.colour : UNASSIGNED;
  }

  function style(i) {
    var isProblem = problems[i];
    return {
      color: locked[i] ? "#111111" : isProblem ? PROBLEM : "#555555",
      weight: locked[i] ? 3 : isProblem ? 2.5 : 0.6,
      dashArray: zoneOf[i] === null ? "4 3" : null,
      fillColor: colourOf(zoneOf[i]),
      fillOpacity: zoneOf[i] === null ? 0.15 : 0.6
    };
  }

  // -- the panel: every zone's clients, hours, cost, target, viability ------------------

  function totals() {
    var sums = {};
    zones.forEach(function (z) { sums[z.name] = { units: 0, clients: 0, hours: 0, cost: 0 }; });
    var none = { units: 0, clients: 0, hours: 0, cost: 0 };
    for (var i = 0; i < units.length; i++) {
      var s = zoneOf[i] === null ? none : sums[zoneOf[i]];
      s.units += 1; s.clients += units[i].clients; s.hours += units[i].hours; s.cost += units[i].cost;
    }
    return { zones: sums, none: none };
  }

  function viability(hours) {
    var v = payload.viability;
    if (!v || (v.min_hours === null && v.max_hours === null)) { return "no published threshold"; }
    if (v.min_hours !== null && hours < v.min_hours) { return "under minimum (" + number(v.min_hours) + " h)"; }
    if (v.max_hours !== null && hours > v.max_hours) { return "over maximum (" + number(v.max_hours) + " h)"; }
    return "viable";
  }

  function renderZones(sums) {
    var body = document.querySelector("#gz-zones tbody");
    body.textContent = "";
    var filled = zones.filter(function (z) { return sums.zones[z.name].units > 0; });
    var mean = filled.length ? filled.reduce(function (t, z) { return t + sums.zones[z.name].hours; }, 0) / filled.length : 0;
    zones.forEach(function (z) {
      var s = sums.zones[z.name];
      var tr = add(body, "tr");
      tr.dataset.zone = z.name;
      var pick = add(add(tr, "td"), "input");
      pick.type = "radio"; pick.name = "gz-paint"; pick.checked = z.name === selected;
      pick.setAttribute("aria-label", "Paint " + z.name);
      pick.addEventListener("change", function () { selected = z.name; });
      var name = add(tr, "th");
      name.scope = "row";
      add(name, "span", null, "gz-swatch gz-fill").style.setProperty("--gz-colour", z.colour);
      add(name, "span", z.name);
      add(tr, "td", number(s.units));
      add(tr, "td", number(s.clients));
      add(tr, "td", number(s.hours, 1));
      add(tr, "td", number(s.hours * WEEKS));
      add(tr, "td", pounds(s.cost));
      add(tr, "td", pounds(s.cost * WEEKS));
      var target = add(add(tr, "td"), "input", null, "form-control form-control-sm gz-target");
      target.type = "number"; target.min = "0"; target.step = "1";
      target.value = z.target === null ? "" : String(z.target);
      target.setAttribute("aria-label", "Target hours a week for " + z.name);
      target.addEventListener("change", function () {
        var value = target.value.trim() === "" ? null : Number(target.value);
        step(function () { zone(z.name).target = value; }, []);
      });
      var goal = z.target !== null ? z.target : mean;
      add(tr, "td", goal > 0 && s.units ? (s.hours >= goal ? "+" : "") + number(100 * (s.hours - goal) / goal, 1) + "%" : "");
      add(tr, "td", viability(s.hours));
      var lock = add(add(tr, "td"), "input");
      lock.type = "checkbox"; lock.checked = !!z.locked;
      lock.setAttribute("aria-label", "Lock " + z.name + " (its units stay)");
      lock.addEventListener("change", function () { step(function () { zone(z.name).locked = lock.checked; }, []); });
      var change = add(tr, "td");
      var rename = add(change, "button", "Rename", "btn btn-sm btn-link");
      rename.type = "button";
      rename.addEventListener("click", function () { renameZone(z.name, name); });
      var remove = add(change, "button", "Delete", "btn btn-sm btn-link");
      remove.type = "button";
      remove.addEventListener("click", function () { deleteZone(z.name); });
    });
    var foot = document.querySelector("#gz-zones tfoot");
    foot.textContent = "";
    var all = { units: 0, clients: 0, hours: 0, cost: 0 };
    zones.forEach(function (z) { var s = sums.zones[z.name]; all.units += s.units; all.clients += s.clients; all.hours += s.hours; all.cost += s.cost; });
    var tr = add(foot, "tr");
    add(tr, "td");
    add(tr, "th", "All zones").scope = "row";
    [number(all.units), number(all.clients), number(all.hours, 1), number(all.hours * WEEKS), pounds(all.cost), pounds(all.cost * WEEKS)]
      .forEach(function (text) { add(tr, "td", text); });
  }

  // The council's published per-zone figures (where the plan's zones are a published layer's),
  // each beside the draft's.
  function renderReference(sums) {
    var box = $("gz-reference");
    box.hidden = !payload.reference;
    if (!payload.reference) { return; }
    var body = box.querySelector("tbody");
    body.textContent = "";
    payload.reference.forEach(function (r) {
      var s = sums.zones[r.zone] || { clients: 0, hours: 0, cost: 0 };
      var tr = add(body, "tr");
      add(tr, "th", r.zone).scope = "row";
      [number(r.clients), number(s.clients), number(r.weekly_hours), number(s.hours, 1),
        pounds(Number(r.annual_cost)), pounds(s.cost * WEEKS)].forEach(function (text) { add(tr, "td", text); });
    });
  }

  function renameZone(old, cell) {
    cell.textContent = "";
    var input = add(cell, "input", null, "form-control form-control-sm");
    input.value = old;
    input.setAttribute("aria-label", "New name for " + old);
    input.focus();
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { refresh([]); }
      if (event.key !== "Enter") { return; }
      event.preventDefault();
      var name = input.value.trim();
      if (!name || (name !== old && zone(name))) {
        say("gz-save-status", name ? "There is already a zone called " + name + "." : "A zone needs a name.", true);
        return;
      }
      step(function () {
        zone(old).name = name;
        for (var i = 0; i < zoneOf.length; i++) { if (zoneOf[i] === old) { zoneOf[i] = name; } }
        if (selected === old) { selected = name; }
      }, []);
    });
  }

  function deleteZone(name) {
    step(function () {
      var moved = [];
      for (var i = 0; i < zoneOf.length; i++) { if (zoneOf[i] === name) { zoneOf[i] = null; moved.push(i); } }
      zones = zones.filter(function (z) { return z.name !== name; });
      if (selected === name) { selected = zones.length ? zones[0].name : null; }
    }, null);
  }

  // -- warnings: units in no zone, zones in more than one piece -------------------------

  function pieces(name) {
    var seen = {}, groups = [];
    for (var i = 0; i < zoneOf.length; i++) {
      if (zoneOf[i] !== name || seen[i]) { continue; }
      var group = [i], queue = [i];
      seen[i] = true;
      while (queue.length) {
        var u = queue.pop();
        adjacency[u].forEach(function (v) {
          if (!seen[v] && zoneOf[v] === name) { seen[v] = true; group.push(v); queue.push(v); }
        });
      }
      groups.push(group);
    }
    return groups.sort(function (a, b) { return b.length - a.length; });
  }

  function renderWarnings() {
    var box = $("gz-warnings");
    box.textContent = "";
    problems = {};
    var list = add(box, "ul");
    var none = [];
    for (var i = 0; i < zoneOf.length; i++) { if (zoneOf[i] === null) { none.push(i); problems[i] = true; } }
    if (none.length) { warn(list, none.length + " unit(s) belong to no zone", none); }
    zones.forEach(function (z) {
      var groups = pieces(z.name);
      if (groups.length > 1) {
        var stray = [].concat.apply([], groups.slice(1));
        stray.forEach(function (u) { problems[u] = true; });
        warn(list, z.name + " is in " + groups.length + " pieces: " + stray.length + " unit(s) lie apart from the rest", stray);
      }
    });
    if (!list.children.length) { add(list, "li", "Every unit is in a zone, and every zone is one piece.", "gz-ok"); }
  }

  function warn(list, text, which) {
    var item = add(list, "li", text + ": " + which.slice(0, 5).map(function (i) { return units[i].name; }).join(", ") +
      (which.length > 5 ? "…" : "") + " ", "gz-problem");
    var show = add(item, "button", "Show", "btn btn-sm btn-link p-0");
    show.type = "button";
    show.addEventListener("click", function () {
      var bounds = L.latLngBounds([]);
      which.forEach(function (i) { bounds.extend(units[i].layer.getBounds()); });
      map.fitBounds(bounds, { maxZoom: 13, padding: [30, 30] });
    });
  }

  // Redraw the units that changed (all when null), the zone table and the warnings.
  function refresh(changed) {
    var before = problems;
    renderWarnings();
    var redraw = changed === null ? units.map(function (_, i) { return i; }) : changed.slice();
    Object.keys(before).concat(Object.keys(problems)).forEach(function (k) { redraw.push(Number(k)); });
    redraw.forEach(function (i) { units[i].layer.setStyle(style(i)); });
    var sums = totals();
    renderZones(sums);
    renderReference(sums);
    $("gz-undo").disabled = !undos.length;
    $("gz-redo").disabled = !redos.length;
  }

  // -- painting ---------------------------------------------------------------------------

  function paint(i) {
    var started = performance.now();
    var brush = document.querySelector("input[name=brush]:checked").value;
    if (brush === "lock") {
      step(function () { if (locked[i]) { delete locked[i]; } else { locked[i] = true; } }, [i]);
    } else {
      var target = zone(selected);
      if (!target) { say("gz-save-status", "Add a zone first, then choose it to paint.", true); return; }
      if (target.locked) { say("gz-save-status", target.name + " is locked: unlock it to paint into it.", true); return; }
      var picked = brush === "district"
        ? units.map(function (_, j) { return j; }).filter(function (j) { return units[j].district === units[i].district; })
        : [i];
      var moving = picked.filter(function (j) {
        var from = zoneOf[j] === null ? null : zone(zoneOf[j]);
        return zoneOf[j] !== selected && !locked[j] && !(from && from.locked);
      });
      if (!moving.length) {
        say("gz-save-status", "Nothing to move: the unit is already in " + selected + ", locked, or in a locked zone.", true);
        return;
      }
      step(function () { moving.forEach(function (j) { zoneOf[j] = selected; }); }, moving);
      say("gz-save-status", moving.length + " unit(s) moved to " + selected + ".", false);
    }
    window.gzEditor.lastPaintMs = performance.now() - started;
  }

  // -- the solver: proposals on the draft, applied only when asked -----------------------

  var proposal = null;

  function solve(mode) {
    var body = {
      mode: mode,
      assignment: assignment(),
      zones: zones.map(function (z) { return { name: z.name, target_hours: z.target }; }),
      locked_units: Object.keys(locked).reduce(function (o, i) { o[units[i].code] = zoneOf[i]; return o; }, {}),
      locked_zones: zones.filter(function (z) { return z.locked; }).map(function (z) { return z.name; }),
      tolerance: Number($("gz-tolerance").value),
      scale_targets: $("gz-scale").checked
    };
    $("gz-proposal").hidden = true;
    say("gz-solve-status", "Solving…", false);
    $("gz-solve-bar").hidden = false;
    $("gz-solve-bar").value = 0;
    send("POST", api + "/solve", body).then(function (res) {
      if (!res.ok) { say("gz-solve-status", res.body.detail || res.body.error, true); $("gz-solve-bar").hidden = true; return; }
      poll(res.body.job);
    });
  }

  function poll(job) {
    fetch(config.api + "/plans/solve/" + encodeURIComponent(job), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        $("gz-solve-bar").value = state.progress;
        if (state.state === "running") {
          say("gz-solve-status", state.message || "Solving…", false);
          setTimeout(function () { poll(job); }, 300);
          return;
        }
        $("gz-solve-bar").hidden = true;
        if (state.state === "failed") { say("gz-solve-status", state.message, true); return; }
        propose(state);
      });
  }

  function propose(state) {
    proposal = state.moves;
    say("gz-solve-status", state.message || "", false);
    var rows = $("gz-moves");
    rows.textContent = "";
    state.moves.forEach(function (m) {
      var tr = add(rows, "tr");
      add(tr, "td", m.name + " (" + m.unit + ")"); add(tr, "td", m.before || "no zone"); add(tr, "td", m.after);
    });
    var worst = state.zones.reduce(function (w, z) { return Math.max(w, Math.abs(z.deviation_pct || 0)); }, 0);
    $("gz-proposal-summary").textContent = state.moves.length + " move(s) proposed; afterwards every zone is within " +
      number(worst, 1) + "% of its target.";
    $("gz-proposal").hidden = false;
  }

  function apply() {
    var moves = proposal.filter(function (m) { return m.unit in byCode; });
    var changed = moves.map(function (m) { return byCode[m.unit]; });
    step(function () {
      moves.forEach(function (m) {
        if (!zone(m.after)) { zones.push({ name: m.after, colour: nextColour(), target: null, locked: false }); }
        zoneOf[byCode[m.unit]] = m.after;
      });
    }, changed);
    $("gz-proposal").hidden = true;
    say("gz-solve-status", moves.length + " move(s) applied to the draft (undo takes them back).", false);
  }

  // -- saving, and carrying edits over a version saved in between ---------------------

  function assignment() {
    var out = {};
    for (var i = 0; i < units.length; i++) { out[units[i].code] = zoneOf[i]; }
    return out;
  }

  function save(note) {
    var body = {
      base_version: base,
      assignment: assignment(),
      zones: zones.map(function (z) { return { name: z.name, colour: z.colour, target_hours: z.target }; }),
      note: note
    };
    say("gz-save-status", "Saving…", false);
    send("POST", api + "/versions", body).then(function (res) {
      if (res.status === 409) { conflict(res.body); return; }
      if (!res.ok) { say("gz-save-status", res.body.detail || res.body.error, true); return; }
      base = res.body.version;
      baseZoneOf = zoneOf.slice();
      $("gz-conflict").hidden = true;
      $("gz-note").value = "";
      showVersion();
      say("gz-save-status", "Saved as version " + base + ". The map shows it now.", false);
    });
  }

  function conflict(body) {
    var box = $("gz-conflict");
    $("gz-conflict-text").textContent = body.detail;
    var list = $("gz-conflict-moves");
    list.textContent = "";
    (body.theirs || []).forEach(function (m) {
      var unit = byCode[m.unit] !== undefined ? units[byCode[m.unit]].name + " (" + m.unit + ")" : m.unit;
      add(list, "li", unit + ": " + (m.before || "no zone") + " → " + (m.after || "no zone"));
    });
    box.hidden = false;
    box.dataset.latest = body.latest_version;
    say("gz-save-status", "Not saved: version " + body.latest_version + " was saved after yours began.", true);
  }

  // My edits (the units my draft moved from my base) laid over the latest version.
  function carry() {
    var latest = Number($("gz-conflict").dataset.latest);
    var mine = [];
    for (var i = 0; i < units.length; i++) { if (zoneOf[i] !== baseZoneOf[i]) { mine.push([i, zoneOf[i]]); } }
    var myZones = zones.slice();
    load(latest).then(function () {
      step(function () {
        myZones.forEach(function (z) { if (!zone(z.name)) { zones.push(Object.assign({}, z)); } });
        mine.forEach(function (m) { zoneOf[m[0]] = m[1]; });
      }, mine.map(function (m) { return m[0]; }));
      $("gz-conflict").hidden = true;
      say("gz-save-status", mine.length + " unit move(s) of yours carried onto version " + latest + ": check and save again.", false);
    });
  }

  function showVersion() {
    $("gz-version").textContent = "version " + base;
    document.querySelectorAll(".gz-exports a[data-format]").forEach(function (a) {
      a.href = api + "/export?" + new URLSearchParams({ format: a.dataset.format, version: base });
    });
    $("gz-map-link").href = "/?" + new URLSearchParams({ region: payload.plan.region });
  }

  // -- loading ------------------------------------------------------------------------------

  var PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5"];

  function nextColour() {
    var used = zones.map(function (z) { return z.colour; });
    return PALETTE.filter(function (c) { return used.indexOf(c) < 0; })[0] || PALETTE[zones.length % PALETTE.length];
  }

  function load(version) {
    var url = api + "/editor" + (version ? "?version=" + version : "");
    return fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
      .then(function (res) {
        if (!res.ok) { throw new Error(res.body.detail || res.body.error); }
        payload = res.body;
        base = payload.plan.version;
        zones = payload.plan.zones.map(function (z) {
          return { name: z.name, colour: z.colour, target: z.target_hours === undefined ? null : z.target_hours, locked: false };
        });
        selected = zones.length ? zones[0].name : null;
        if (!units.length) { draw(payload); }
        zoneOf = payload.units.features.map(function (f) { return f.properties.zone; });
        baseZoneOf = zoneOf.slice();
        locked = {};
        undos = []; redos = [];
        $("gz-provenance").textContent = (payload.plan.modelled ? "Modelled by geozones, not zones a council adopted: " : "") +
          payload.plan.method + (payload.plan.notes ? ". " + payload.plan.notes : "");
        $("gz-demand").textContent = "Demand: " + payload.demand.source + (payload.demand.modelled ? " (modelled, not a package list)" : "");
        showVersion();
        refresh(null);
      });
  }

  function draw(data) {
    map = L.map("gz-editor-map", { preferCanvas: true, zoomSnap: 0.25 });
    if (L.gridLayer.geozonesBasemap) {
      L.gridLayer.geozonesBasemap(config.api + "/basemap/" + encodeURIComponent(data.plan.region) + "/{z}/{x}/{y}.json").addTo(map);
    }
    units = data.units.features.map(function (f, i) {
      var p = f.properties;
      byCode[p.code] = i;
      return { code: p.code, name: p.name, district: p.district, clients: p.clients, hours: p.weekly_hours, cost: p.weekly_cost };
    });
    adjacency = units.map(function (u) { return (data.adjacency[u.code] || []).map(function (c) { return byCode[c]; }).filter(function (j) { return j !== undefined; }); });
    unitLayer = L.geoJSON(data.units, {
      style: function () { return { weight: 0.6 }; },
      onEachFeature: function (feature, layer) {
        var i = byCode[feature.properties.code];
        units[i].layer = layer;
        layer.bindTooltip(function () {
          return textNode(units[i].name + " (" + units[i].code + "): " + (zoneOf[i] || "no zone") +
            (locked[i] ? ", locked" : "") + "; " + number(units[i].hours, 1) + " h a week");
        }, { sticky: true });
        layer.on("click", function () { paint(i); });
      }
    }).addTo(map);
    map.fitBounds(unitLayer.getBounds());
    map.attributionControl.setPrefix('<a href="https://leafletjs.com" target="_blank" rel="noopener">Leaflet</a>');
  }

  // -- wiring ---------------------------------------------------------------------------------

  $("gz-undo").addEventListener("click", function () { undo(undos, redos); });
  $("gz-redo").addEventListener("click", function () { undo(redos, undos); });
  document.addEventListener("keydown", function (event) {
    if (!(event.ctrlKey || event.metaKey) || event.target.tagName === "INPUT") { return; }
    var key = event.key.toLowerCase();
    if (key === "z" && !event.shiftKey) { event.preventDefault(); undo(undos, redos); }
    if (key === "y" || (key === "z" && event.shiftKey)) { event.preventDefault(); undo(redos, undos); }
  });
  $("gz-add-zone").addEventListener("submit", function (event) {
    event.preventDefault();
    var name = $("gz-new-zone").value.trim();
    if (zone(name)) { say("gz-save-status", "There is already a zone called " + name + ".", true); return; }
    step(function () {
      zones.push({ name: name, colour: nextColour(), target: null, locked: false });
      selected = name;
    }, []);
    $("gz-new-zone").value = "";
  });
  $("gz-balance").addEventListener("click", function () { solve("balance"); });
  $("gz-improve").addEventListener("click", function () { solve("improve"); });
  $("gz-apply").addEventListener("click", apply);
  $("gz-discard").addEventListener("click", function () { $("gz-proposal").hidden = true; });
  $("gz-save").addEventListener("submit", function (event) {
    event.preventDefault();
    save($("gz-note").value.trim());
  });
  $("gz-carry").addEventListener("click", carry);

  // What the browser tests and the benchmark drive: paint a unit into a zone by code.
  window.gzEditor = {
    lastPaintMs: null,
    ready: load(config.version).catch(function (error) { say("gz-save-status", error.message, true); }),
    paint: function (code, name) {
      if (name !== undefined) { selected = name; }
      paint(byCode[code]);
      return window.gzEditor.lastPaintMs;
    },
    zoneOf: function (code) { return zoneOf[byCode[code]]; },
    containerPoint: function (latlng) { return map.latLngToContainerPoint(latlng); },
    centre: function (latlng) { map.setView(latlng, 14, { animate: false }); },
    // a unit (not `not`, nor a neighbour of it) beside another zone, and that zone
    borderUnit: function (not) {
      var skip = byCode[not];
      for (var i = 0; i < units.length; i++) {
        if (i === skip || adjacency[i].indexOf(skip) >= 0) { continue; }
        for (var k = 0; k < adjacency[i].length; k++) {
          var j = adjacency[i][k];
          if (zoneOf[j] !== zoneOf[i] && zoneOf[j] !== null && j !== skip) { return [units[i].code, zoneOf[j]]; }
        }
      }
      return null;
    },
    state: function () {
      var sums = totals();
      return { version: base, zones: zones, totals: sums.zones, unassigned: sums.none.units, undos: undos.length };
    }
  };
})();
