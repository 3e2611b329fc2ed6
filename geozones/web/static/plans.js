/* geozones plan pages: the saved plans (and a new plan), a plan's history, and two versions
   compared side by side. Each reads the JSON API under /api/v1/plans. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("gz-config").textContent);

  function $(id) { return document.getElementById(id); }

  var add = window.gzDom.add;

  function link(parent, text, href) {
    var a = add(parent, "a", text);
    a.href = href;
    return a;
  }

  function get(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (b) { if (!r.ok) { throw new Error(b.detail || b.error); } return b; }); });
  }

  function fail(error) {
    var status = $("gz-plans-status") || $("gz-history-status");
    status.textContent = error.message;
    status.className = "gz-status gz-error";
  }

  function page(name, what) { return "/plans/" + encodeURIComponent(name) + "/" + what; }

  // -- /plans -------------------------------------------------------------------------------

  function listPlans() {
    var editor = config.role === "commissioner" || config.role === "admin";
    get(config.api + "/plans").then(function (body) {
      var rows = document.querySelector("#gz-plans tbody");
      if (!body.plans.length) { add(add(rows, "tr"), "td", "No plan is saved yet.").colSpan = 7; }
      body.plans.forEach(function (p) {
        var tr = add(rows, "tr");
        add(tr, "th", p.name).scope = "row";
        [p.region, p.unit_layer === "units" ? "LSOAs" : "wards", String(p.version), p.author, p.updated]
          .forEach(function (text) { add(tr, "td", text); });
        var open = add(tr, "td");
        if (editor) { link(open, "Edit", page(p.name, "edit")); open.appendChild(document.createTextNode(" · ")); }
        link(open, "History", page(p.name, "history"));
        open.appendChild(document.createTextNode(" · "));
        link(open, "Map", "/?" + new URLSearchParams({ region: p.region }));
      });
    }).catch(fail);
    var form = $("gz-new");
    if (!form) { return; }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = { name: form.elements.name.value.trim(), region: form.elements.region.value, kind: form.elements.kind.value };
      window.gzDom.send("POST", config.api + "/plans", body)
        .then(function (res) {
          if (!res.ok) { throw new Error(res.body.detail || res.body.error); }
          window.location.href = page(res.body.plan, "edit");
        })
        .catch(fail);
    });
  }

  // -- /plans/<name>/history ----------------------------------------------------------------

  function history() {
    get(config.api + "/plans/" + encodeURIComponent(config.plan) + "/history").then(function (body) {
      var rows = document.querySelector("#gz-versions tbody");
      var newest = body.versions.length ? body.versions[body.versions.length - 1].version : null;
      body.versions.slice().reverse().forEach(function (v) {
        var tr = add(rows, "tr");
        ["a", "b"].forEach(function (side) {
          var pick = add(add(tr, "td"), "input");
          pick.type = "radio"; pick.name = side; pick.value = v.version;
          pick.setAttribute("aria-label", (side === "a" ? "Compare from version " : "to version ") + v.version);
          pick.checked = side === "b" ? v.version === newest : v.version === newest - 1;
        });
        add(tr, "th", String(v.version)).scope = "row";
        [v.parent === null ? "" : String(v.parent), v.author, v.created, v.moved === null ? "" : String(v.moved), v.notes, v.method]
          .forEach(function (text) { add(tr, "td", text); });
      });
    }).catch(fail);
  }

  // -- /plans/<name>/compare ----------------------------------------------------------------

  function drawVersion(id, payload, moved) {
    var map = L.map(id, { preferCanvas: true, zoomSnap: 0.25 });
    var colours = {};
    payload.plan.zones.forEach(function (z) { colours[z.name] = z.colour; });
    var layer = L.geoJSON(payload.units, {
      style: function (f) {
        var p = f.properties, changed = moved[p.code];
        return { color: changed ? "#c00000" : "#555555", weight: changed ? 2.5 : 0.5,
          fillColor: colours[p.zone] || "#ffffff", fillOpacity: 0.6 };
      },
      onEachFeature: function (f, l) {
        // a tooltip's string would be HTML: zone names are anyone's, so give it text
        var span = document.createElement("span");
        span.textContent = f.properties.name + ": " + (f.properties.zone || "no zone");
        l.bindTooltip(span, { sticky: true });
      }
    }).addTo(map);
    map.fitBounds(layer.getBounds());
    return map;
  }

  function signed(value, digits) {
    var text = value.toLocaleString("en-GB", { maximumFractionDigits: digits, minimumFractionDigits: digits });
    return value > 0 ? "+" + text : text;
  }

  function compare() {
    var root = config.api + "/plans/" + encodeURIComponent(config.plan);
    Promise.all([
      get(root + "/compare?" + new URLSearchParams({ a: config.a, b: config.b })),
      get(root + "/editor?version=" + config.a),
      get(root + "/editor?version=" + config.b)
    ]).then(function (all) {
      var diff = all[0], moved = {};
      diff.moved.forEach(function (m) { moved[m.unit] = true; });
      var maps = [drawVersion("gz-map-a", all[1], moved), drawVersion("gz-map-b", all[2], moved)];
      maps[0].on("moveend", function () { maps[1].setView(maps[0].getCenter(), maps[0].getZoom(), { animate: false }); });
      var rows = document.querySelector("#gz-deltas tbody");
      diff.zones.forEach(function (z) {
        var tr = add(rows, "tr");
        add(tr, "th", z.zone).scope = "row";
        [["clients", 0], ["weekly_hours", 1], ["weekly_cost", 0]].forEach(function (k) {
          add(tr, "td", z.a[k[0]].toLocaleString("en-GB", { maximumFractionDigits: k[1] }));
          add(tr, "td", z.b[k[0]].toLocaleString("en-GB", { maximumFractionDigits: k[1] }));
          add(tr, "td", signed(z.delta[k[0]], k[1]));
        });
      });
      var list = document.querySelector("#gz-moved tbody");
      if (!diff.moved.length) { add(add(list, "tr"), "td", "No unit moved.").colSpan = 3; }
      diff.moved.forEach(function (m) {
        var tr = add(list, "tr");
        add(tr, "td", m.name + " (" + m.unit + ")"); add(tr, "td", m.before || "no zone"); add(tr, "td", m.after || "no zone");
      });
    }).catch(fail);
  }

  if ($("gz-plans")) { listPlans(); }
  if ($("gz-versions")) { history(); }
  if ($("gz-deltas")) { compare(); }
})();
