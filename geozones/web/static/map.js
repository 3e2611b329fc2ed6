/* geozones map page: the search box, click- and keyboard-identify, the answer panel, the
   bottom sheet on phones and the map's compact controls.
   folium draws the map and its layers; this asks the JSON API and shows the answer. */
(function () {
  "use strict";

  // Phones: the panel is a bottom sheet, the layer list and the credits fold away
  // (the width of the media query in geozones.css).
  var NARROW = window.matchMedia("(max-width: 47.99rem)");

  // How sure an answer is (the API's `confidence`), in plain words.
  var SURENESS = {
    "exact": "exact (located at its own point)",
    "estimate": "an estimate (a straight-line distance: no road map here)",
    "approximate": "approximate (at the centre of the area it names, or on the street named)",
    "near radius": "near the radius (the other rate is possible)",
    "near band edge": "near a band edge (the next band is possible)",
    "range": "a range (only the postcode sector or district is known)"
  };

  // What each suggestion is (the API's `kind`), shown beside it in the list.
  var KINDS = { "postcode": "Postcode", "place": "Place", "street": "Street" };

  var add = window.gzDom.add;

  function row(list, term, value) {
    if (value === null || value === undefined || value === "") { return null; }
    add(list, "dt", term);
    return add(list, "dd", value);
  }

  // Credits: a button with the attribution in brief, which opens the full attribution.
  var Credits = L.Control.extend({
    options: { position: "bottomright", text: "" },
    onAdd: function (map) {
      var attribution = map.attributionControl.getContainer();
      var button = L.DomUtil.create("button", "gz-credits");
      button.type = "button";
      button.textContent = this.options.text;
      attribution.id = "gz-attribution";
      button.setAttribute("aria-controls", attribution.id);
      L.DomEvent.disableClickPropagation(button);
      L.DomEvent.on(button, "click", function () { this.open(!this.isOpen()); }, this);
      this._button = button;
      this._attribution = attribution;
      return button;
    },
    isOpen: function () { return this._attribution.classList.contains("gz-open"); },
    open: function (opened) {
      this._attribution.classList.toggle("gz-open", opened);
      this._button.setAttribute("aria-expanded", String(opened));
    }
  });

  // The layer list folds into Leaflet's layers button on phones; it folds again when the
  // map is clicked, when Escape is pressed in it or when the keyboard moves on past it.
  function foldingLayers(map) {
    var control = map.getContainer().querySelector(".leaflet-control-layers");
    var button = control.querySelector(".leaflet-control-layers-toggle");
    var EXPANDED = "leaflet-control-layers-expanded";
    function fold() { if (NARROW.matches) { control.classList.remove(EXPANDED); } }
    map.on("click", fold);
    // the button hides as the list opens: the focus goes on to the list's first box
    button.addEventListener("click", function () { control.querySelector("input").focus(); });
    control.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && NARROW.matches) {
        fold();
        button.focus();
      }
    });
    control.addEventListener("focusout", function (event) {
      if (event.relatedTarget && !control.contains(event.relatedTarget)) { fold(); }
    });
    return function (narrow) { control.classList.toggle(EXPANDED, !narrow); };
  }

  // Polygons and circles are no tab stops: Leaflet's tooltips make every path that has one
  // focusable, without a name. The keyboard identifies points with the crosshair instead.
  function untabbable(layer) {
    var element = layer.getElement && layer.getElement();
    if (element && element.tagName.toLowerCase() === "path") {
      element.setAttribute("tabindex", "-1");
    }
  }

  // The map key shows the key of each overlay that is on the map, and follows the layer
  // control as layers are turned on and off.
  function keysFollow(map, control) {
    var keys = {};
    document.querySelectorAll(".gz-key[data-layer]").forEach(function (key) {
      keys[key.getAttribute("data-layer")] = key;
    });
    // the control's names are HTML (escaped by the server): read them as text, in an inert
    // document where nothing loads or runs
    var parser = new DOMParser();
    function text(name) { return parser.parseFromString(name, "text/html").body.textContent; }
    control._layers.forEach(function (entry) {
      var key = keys[text(entry.name)];
      if (key) { key.hidden = !map.hasLayer(entry.layer); }
    });
    map.on("overlayadd overlayremove", function (event) {
      var key = keys[text(event.name)];
      if (key) { key.hidden = event.type === "overlayremove"; }
    });
  }

  function init(config) {
    var map = window[config.map];
    var container = map.getContainer();
    var panel = document.getElementById("gz-panel");
    var answerBox = document.getElementById("gz-answer");
    var status = document.getElementById("gz-status");
    var form = document.getElementById("gz-search");
    var select = document.getElementById("gz-select");
    var toggle = document.getElementById("gz-sheet-toggle");
    var marker = null;
    var asked = 0;

    function say(text, isError) {
      status.textContent = text;
      status.className = "gz-status" + (isError ? " gz-error" : "");
    }

    function unplace() {
      if (marker !== null) { marker.remove(); marker = null; }
      unroute();
    }

    // Leaflet (1.9) drops a new view asked for while a zoom runs (such as the map's first
    // fit): set the view when that zoom ends. The answer may have just grown the sheet,
    // so the map is measured afresh first.
    function view(set) {
      if (map._animatingZoom) {
        map.once("zoomend", function () { view(set); });
        return;
      }
      map.invalidateSize();
      set();
    }

    function centre(lat, lon) {
      view(function () { map.setView([lat, lon], Math.max(map.getZoom(), 12)); });
    }

    function place(lat, lon, zoomIn) {
      if (marker === null) {
        marker = L.marker([lat, lon], { keyboard: false, alt: "The place looked up" }).addTo(map);
      } else {
        marker.setLatLng([lat, lon]);
      }
      if (zoomIn) { centre(lat, lon); }
    }

    function clear() {
      answerBox.textContent = "";
      unplace();
    }

    // The road from the nearest surgery to the place, with the surgery ringed: the drive
    // the answer's road distance was measured along (GET /route).
    var routeLayer = L.featureGroup().addTo(map);
    function unroute() { routeLayer.clearLayers(); }
    // `frame` is the place to frame the route with (null: leave the view as it is).
    function road(q, mine, frame) {
      var params = new URLSearchParams({ q: q, scheme: config.scheme });
      function without() {
        if (mine === asked && frame) { centre(frame[0], frame[1]); }
      }
      fetch(config.api + "/route?" + params.toString(), { headers: { Accept: "application/geo+json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (found) {
          if (mine !== asked) { return; }
          if (found === null) {
            without();
            return;
          }
          var line = found.features[0], surgery = found.features[1];
          L.geoJSON(line, {
            interactive: false,
            style: { color: config.route, weight: 5, opacity: 0.85 }
          }).addTo(routeLayer);
          var ring = L.circleMarker(L.GeoJSON.coordsToLatLng(surgery.geometry.coordinates), {
            radius: 9, color: config.route, weight: 4, fillColor: "#ffffff", fillOpacity: 1,
            interactive: false
          }).addTo(routeLayer);
          // a tooltip's string would be HTML: give it the surgery's name as text
          var label = document.createElement("span");
          label.textContent = surgery.properties.name;
          ring.bindTooltip(label, { permanent: true, direction: "top", offset: [0, -8] });
          var props = line.properties;
          var words = add(answerBox.querySelector(".gz-why ul") || add(answerBox, "ul"), "li",
            "The route drawn on the map: " + props.miles.toFixed(2) + " miles, " +
            props.minutes.toFixed(0) + " min from " + props.surgery + ".");
          words.className = "gz-route";
          if (frame) {
            view(function () {
              // clear of the layer list above and the credits below
              var above = map.gzLayerControl.getContainer().offsetHeight + 30;
              map.fitBounds(routeLayer.getBounds().extend(frame), {
                paddingTopLeft: [40, above], paddingBottomRight: [40, 60], maxZoom: 15
              });
            });
          }
        })
        .catch(without);
    }

    // The answer in plain words: what is paid, why, and where the place lies. A distance
    // is shown as part of the rate only when the rate depends on it (the answer's `why`).
    function show(answer) {
      answerBox.textContent = "";
      add(answerBox, "h2", answer.matched || answer.query);
      var list = add(answerBox, "dl");
      var counts = answer.why ? answer.why.counts : null;
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
      row(list, "Banding area", answer.area);
      if (counts !== null && answer.distance_miles !== null) {
        row(list, "Distance", answer.distance_miles.toFixed(2) + " miles (" + answer.method + ")");
      }
      if (counts !== "road" && answer.road_miles !== null) {
        row(list, "By road", answer.road_miles.toFixed(2) +
          " miles from the nearest surgery (not part of the rate)");
      }
      if (answer.drive_minutes !== null) {
        row(list, "Drive", answer.drive_minutes.toFixed(1) + " min (the quickest from any surgery)");
      }
      row(list, "Nearest surgery", answer.nearest_surgery);
      row(list, "District", answer.district);
      sourced(list, "Zone", answer.zone, config.sources.zone);
      sourced(list, "Lot", answer.lot, config.sources.lot);
      row(list, "Primary care network", answer.pcn);
      row(list, "How sure", SURENESS[answer.confidence] || answer.confidence);
      row(list, "How it was found", answer.located_by);
      row(list, "Its postcodes", answer.band_shares);
      showPackage(list, answer.package);
      add(answerBox, "p", answer.message, answer.status === "ok" ? "gz-note" : "gz-status gz-error");
      if (answer.elsewhere) { offer(answer); }
      if (answer.why && answer.why.sentences.length) {
        var why = add(answerBox, "section", null, "gz-why");
        why.setAttribute("aria-label", "Why this band");
        add(why, "h3", "Why " + (answer.band || "this rate"));
        var steps = add(why, "ul");
        answer.why.sentences.forEach(function (text) { add(steps, "li", text); });
      }
      if (answer.caveats.length) {
        var caveats = add(answerBox, "ul", null, "gz-caveats");
        answer.caveats.forEach(function (c) { add(caveats, "li", c); });
      }
      answerBox.scrollIntoView({ block: "nearest" });
      return list;
    }

    // A zone or lot, and how the plan it comes from was made ("modelled by geozones").
    function sourced(list, term, value, source) {
      row(list, term, value === null || !source ? value : value + " (" + source + ")");
    }

    // A place outside this map's region that lies in another served region: a link to
    // the same question asked there.
    function offer(answer) {
      var there = answer.elsewhere;
      var link = add(add(answerBox, "p", null, "gz-offer"), "a",
        "Look it up under " + there.region_title + ": " + there.scheme_title);
      link.href = "?" + new URLSearchParams({
        region: there.region, scheme: there.scheme, q: answer.query
      }).toString();
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

    // Only the latest question's answer is shown; an error clears the previous answer and pin.
    function lookup(params, point) {
      var mine = ++asked;
      params.set("scheme", config.scheme);
      say("Looking up…", false);
      fetch(config.api + "/lookup?" + params.toString(), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (res) {
          if (mine !== asked) { return; }
          if (!res.ok) {
            clear();
            say(res.body.detail || res.body.error, true);
            return;
          }
          var answer = res.body;
          say("", false);
          unroute();
          var list = show(answer);
          var lat = point ? point.lat : answer.lat;
          var lon = point ? point.lng : answer.lon;
          if (answer.status === "error" || lat === null || lon === null) {
            unplace();
            return;
          }
          // a place measured by road is framed with its route once that comes
          var byRoad = answer.method === "road";
          place(lat, lon, !point && !byRoad);
          if (config.plan) { planZone(list, lat, lon); }
          if (byRoad) {
            road(params.get("q") || lat + ", " + lon, mine, point ? null : [lat, lon]);
          }
        })
        .catch(function () {
          if (mine !== asked) { return; }
          clear();
          say("The server could not be reached; try again.", true);
        });
    }

    // The question goes into the page's address, so that an answer can be shared.
    function remember(q) {
      var params = new URLSearchParams({ region: config.region, scheme: config.scheme, q: q });
      history.replaceState(null, "", "?" + params.toString());
    }

    function identify(latlng) {
      var lat = latlng.lat.toFixed(6), lon = latlng.lng.toFixed(6);
      remember(lat + ", " + lon);
      lookup(withPackage(new URLSearchParams({ lat: lat, lon: lon })), latlng);
    }

    function search() {
      var q = form.elements.q.value.trim();
      if (!q || !config.scheme) { return; }
      remember(q);
      lookup(withPackage(new URLSearchParams({ q: q })), null);
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      search();
    });

    // Suggestions as the user types (GET /suggest): postcodes, places and streets of the
    // region, offered by the browser's own list; picking one asks at once.
    var suggestions = document.getElementById("gz-suggestions");
    var typed = 0, waiting = null;
    form.elements.q.addEventListener("input", function (event) {
      if (event.inputType === "insertReplacementText") {
        search();
        return;
      }
      var q = form.elements.q.value.trim();
      clearTimeout(waiting);
      if (q.length < 2) { suggestions.textContent = ""; return; }
      waiting = setTimeout(function () {
        var mine = ++typed;
        fetch(config.api + "/suggest?" + new URLSearchParams({ q: q, region: config.region }))
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (found) {
            if (mine !== typed || found === null) { return; }
            suggestions.textContent = "";
            found.suggestions.forEach(function (s) {
              var option = add(suggestions, "option");
              option.value = s.text;
              option.label = KINDS[s.kind] + (s.detail ? ", " + s.detail : "");
            });
          });
      }, 120);
    });

    // The keyboard: the map takes focus (Leaflet moves it with the arrow keys and zooms
    // with + and -); Enter identifies the point under the crosshair, the map's centre.
    container.setAttribute("role", "application");
    container.setAttribute("aria-label", "Map of " + config.title);
    if (document.getElementById("gz-keys")) { container.setAttribute("aria-describedby", "gz-keys"); }
    if (config.scheme) {
      map.on("click", function (event) { identify(event.latlng); });
      container.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && event.target === container) {
          event.preventDefault();
          identify(map.getCenter());
        }
      });
    }
    document.querySelector(".gz-skip").addEventListener("click", function (event) {
      event.preventDefault();
      container.focus();
    });

    map.eachLayer(untabbable);
    map.on("layeradd", function (event) { untabbable(event.layer); });

    // The map's size follows the sheet's: tell Leaflet whenever its box changes.
    new ResizeObserver(function () { map.invalidateSize(); }).observe(container);

    var credits = new Credits({ text: config.credits }).addTo(map);
    // The basemap the app draws from the region's own build (static/basemap.js), under
    // every overlay; a configured tile layer is shown instead, with this one a choice.
    var basemap = L.gridLayer.geozonesBasemap(config.basemap);
    if (!config.tiled) { basemap.addTo(map); }
    map.gzLayerControl.addBaseLayer(basemap, "Roads and places (from the build)");
    var layers = foldingLayers(map);

    // On phones the panel opens and folds as a bottom sheet; the search and answer stay.
    function fold(folded) {
      panel.classList.toggle("gz-folded", folded);
      toggle.setAttribute("aria-expanded", String(!folded));
    }
    toggle.addEventListener("click", function () {
      fold(!panel.classList.contains("gz-folded"));
    });

    function fit() {
      fold(NARROW.matches);
      credits.open(!NARROW.matches);
      layers(NARROW.matches);
    }
    NARROW.addEventListener("change", fit);
    fit();

    keysFollow(map, map.gzLayerControl);

    var shared = new URLSearchParams(window.location.search).get("q");
    if (shared && config.scheme) {
      form.elements.q.value = shared;
      search();
    }

    select.elements.region.addEventListener("change", function () {
      select.elements.scheme.disabled = true;
      select.submit();
    });
    select.elements.scheme.addEventListener("change", function () { select.submit(); });
  }

  window.geozonesMap = { init: init };
})();
