/* geozones map page: the search box, click-to-identify and the answer panel.
   folium draws the map and its layers; this asks the JSON API and shows the answer. */
(function () {
  "use strict";

  function add(parent, tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (className) { node.className = className; }
    parent.appendChild(node);
    return node;
  }

  function row(list, term, value) {
    if (value === null || value === undefined || value === "") { return null; }
    add(list, "dt", term);
    return add(list, "dd", value);
  }

  function init(config) {
    var map = window[config.map];
    var panel = document.getElementById("gz-answer");
    var status = document.getElementById("gz-status");
    var form = document.getElementById("gz-search");
    var select = document.getElementById("gz-select");
    var marker = null;

    function say(text, isError) {
      status.textContent = text;
      status.className = "gz-status" + (isError ? " gz-error" : "");
    }

    function place(lat, lon, zoomIn) {
      if (marker === null) {
        marker = L.marker([lat, lon], { title: "Looked-up place" }).addTo(map);
      } else {
        marker.setLatLng([lat, lon]);
      }
      if (zoomIn) { map.setView([lat, lon], Math.max(map.getZoom(), 12)); }
    }

    function show(answer) {
      panel.textContent = "";
      add(panel, "h2", answer.matched || answer.query);
      var list = add(panel, "dl");
      if (answer.band !== null) {
        add(list, "dt", "Band");
        var band = add(list, "dd");
        var colour = config.bands[answer.band];
        if (colour) {
          var swatch = add(band, "span", null, "gz-swatch");
          swatch.style.background = colour;
        }
        add(band, "span", answer.band, "gz-band");
      }
      row(list, "Rate", answer.rate === null ? null : "£" + answer.rate + " an hour");
      row(list, "Area", answer.area);
      if (answer.distance_miles !== null) {
        row(list, "Distance", answer.distance_miles.toFixed(2) + " miles (" + answer.method + ")");
      }
      if (answer.road_miles !== null && answer.road_miles !== answer.distance_miles) {
        row(list, "By road", answer.road_miles.toFixed(2) + " miles from the nearest surgery");
      }
      if (answer.drive_minutes !== null) {
        row(list, "Drive", answer.drive_minutes.toFixed(1) + " min (the quickest from any surgery)");
      }
      row(list, "District", answer.district);
      row(list, "Zone", answer.zone);
      row(list, "Lot", answer.lot);
      row(list, "PCN", answer.pcn);
      row(list, "Nearest surgery", answer.nearest_surgery);
      row(list, "Confidence", answer.confidence);
      row(list, "Located by", answer.located_by);
      row(list, "Postcodes", answer.band_shares);
      showPackage(list, answer.package);
      add(panel, "p", answer.message, answer.status === "ok" ? "gz-note" : "gz-status gz-error");
      if (answer.caveats.length) {
        var caveats = add(panel, "ul");
        answer.caveats.forEach(function (c) { add(caveats, "li", c); });
      }
      panel.hidden = false;
      return list;
    }

    function showPackage(list, price) {
      if (!price) { return; }
      function pounds(value) { return value === null ? null : "£" + value; }
      row(list, "Priced at", price.priced_at);
      row(list, "A visit", pounds(price.visit_price));
      row(list, "A week", pounds(price.weekly_cost));
      row(list, "A year", pounds(price.annual_cost));
      row(list, "Incentive", pounds(price.incentive));
      price.rules.concat(price.problems).forEach(function (text) { row(list, "Rule", text); });
    }

    // The package inputs the form has filled in, added to the lookup's parameters.
    function withPackage(params) {
      ["visit_minutes", "visits_per_week", "pathway", "care_type"].forEach(function (name) {
        var value = form.elements[name].value.trim();
        if (value) { params.set(name, value); }
      });
      return params;
    }

    function planZone(list, lat, lon) {
      var params = new URLSearchParams({ lat: lat, lon: lon, version: config.plan.version });
      fetch(config.api + "/plans/" + encodeURIComponent(config.plan.id) + "/zone?" + params)
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (found) {
          if (found && found.zone !== null) {
            row(list, "Plan zone", found.zone + " (" + found.plan + " v" + found.version + ")");
          }
        });
    }

    function lookup(params, clicked) {
      params.set("scheme", config.scheme);
      say("Looking up…", false);
      fetch(config.api + "/lookup?" + params.toString(), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (res) {
          if (!res.ok) {
            panel.hidden = true;
            say(res.body.detail || res.body.error, true);
            return;
          }
          var answer = res.body;
          say("", false);
          var list = show(answer);
          var lat = clicked ? clicked.lat : answer.lat;
          var lon = clicked ? clicked.lng : answer.lon;
          if (lat !== null && lon !== null) {
            place(lat, lon, !clicked);
            if (config.plan) { planZone(list, lat, lon); }
          }
        })
        .catch(function () { say("The server could not be reached; try again.", true); });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var q = form.elements.q.value.trim();
      if (q && config.scheme) { lookup(withPackage(new URLSearchParams({ q: q })), null); }
    });

    if (config.scheme) {
      map.on("click", function (event) {
        lookup(withPackage(new URLSearchParams({
          lat: event.latlng.lat.toFixed(6),
          lon: event.latlng.lng.toFixed(6)
        })), event.latlng);
      });
    }

    select.elements.region.addEventListener("change", function () {
      select.elements.scheme.disabled = true;
      select.submit();
    });
    select.elements.scheme.addEventListener("change", function () { select.submit(); });
  }

  window.geozonesMap = { init: init };
})();
