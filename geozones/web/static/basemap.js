/* geozones basemap: the region's roads and places drawn on canvas tiles by the app itself,
   from its JSON vector tiles (GET /api/v1/basemap/<region>/<z>/<x>/<y>.json; the format is
   in geozones/web/basemap.py). Nothing is asked of another site.

   L.gridLayer.geozonesBasemap(urlTemplate, options) is a Leaflet GridLayer: each tile is a
   <canvas> (hidden from assistive technology: the map's names are in its answer panel) with
   a land background, the roads by class (casing and fill, wider as the map zooms in), and
   labels placed so that none overlaps another: place names by kind, road references in
   shields, street names along the straightest stretch of their road. drawnLabels() lists
   the labels drawn on the tiles shown, for the browser tests. */
(function () {
  "use strict";

  var LAND = "#f2efe9";
  var HALO = "rgba(255, 255, 255, 0.9)";
  var FONT = "\"Helvetica Neue\", Arial, sans-serif";
  // Zooms below this draw roads as one line in their casing colour; from it, casing and fill.
  var CASED_ZOOM = 13;
  // Road classes, the least important first (the order the tiles list them in): fill,
  // casing, width in CSS pixels at zoom 12, and the colours of a reference shield.
  var ROADS = {
    service: { fill: "#ffffff", casing: "#cdc7bd", width: 0.7 },
    minor: { fill: "#ffffff", casing: "#bfb8ad", width: 1.1 },
    tertiary: { fill: "#ffffff", casing: "#9f988c", width: 1.7 },
    secondary: { fill: "#f6f2a8", casing: "#a59b3f", width: 2.1 },
    primary: { fill: "#fcd29a", casing: "#b9813a", width: 2.5 },
    trunk: { fill: "#f7a98f", casing: "#b95f44", width: 2.9 },
    motorway: { fill: "#e8899c", casing: "#a9475f", width: 3.2 }
  };
  var ORDER = ["service", "minor", "tertiary", "secondary", "primary", "trunk", "motorway"];
  // Reference shields as British road signs colour them: blue motorways, green primary
  // routes (trunk roads), white for the other A and B roads.
  var SHIELDS = {
    motorway: { fill: "#1f5bb1", text: "#ffffff", border: "#ffffff" },
    trunk: { fill: "#00703c", text: "#ffd200", border: "#ffffff" },
    other: { fill: "#ffffff", text: "#222222", border: "#444444" }
  };
  // Place labels by kind: font size (px), weight and colour.
  var PLACES = {
    city: { size: 17, weight: "bold", colour: "#1a1a1a" },
    town: { size: 14, weight: "bold", colour: "#262626" },
    village: { size: 12, weight: "normal", colour: "#333333" },
    suburb: { size: 11, weight: "normal", colour: "#555555" },
    hamlet: { size: 10, weight: "normal", colour: "#4d4d4d" }
  };
  // Labels keep this many pixels from the tile's edges (a label is never cut by one).
  var MARGIN = 2;
  // A street name runs along a stretch that turns by no more than this (radians) in all.
  var STRAIGHT = 0.35;

  // Road width in CSS pixels at zoom z: slowly thinner below zoom 12, faster wider above.
  function roadWidth(cls, z) {
    var growth = z < 12 ? Math.pow(1.25, z - 12) : Math.pow(1.45, z - 12);
    return Math.max(0.5, ROADS[cls].width * growth);
  }

  // Labels placed on one tile, kept apart by their boxes ([x0, y0, x1, y1] in pixels).
  function Placer(size) {
    this.size = size;
    this.boxes = [];
    this.labels = [];
  }
  Placer.prototype.fits = function (boxes) {
    for (var i = 0; i < boxes.length; i++) {
      var b = boxes[i], far = this.size - MARGIN;
      if (b[0] < MARGIN || b[1] < MARGIN || b[2] > far || b[3] > far) { return false; }
      for (var j = 0; j < this.boxes.length; j++) {
        var o = this.boxes[j];
        if (b[0] < o[2] && b[2] > o[0] && b[1] < o[3] && b[3] > o[1]) { return false; }
      }
    }
    return true;
  };
  Placer.prototype.take = function (boxes, text, kind, x, y) {
    this.boxes.push.apply(this.boxes, boxes);
    this.labels.push({ text: text, kind: kind, x: x, y: y });
  };

  function halo(ctx, text, x, y, width) {
    ctx.lineWidth = width;
    ctx.strokeStyle = HALO;
    ctx.lineJoin = "round";
    ctx.strokeText(text, x, y);
    ctx.fillText(text, x, y);
  }

  // A line's points in CSS pixels of the tile.
  function points(flat, k) {
    var out = [];
    for (var i = 0; i + 1 < flat.length; i += 2) { out.push([flat[i] * k, flat[i + 1] * k]); }
    return out;
  }

  function drawRoads(ctx, lines, z) {
    var cased = z >= CASED_ZOOM;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    function stroke(cls, colour, width) {
      ctx.beginPath();
      lines[cls].forEach(function (pts) {
        ctx.moveTo(pts[0][0], pts[0][1]);
        for (var i = 1; i < pts.length; i++) { ctx.lineTo(pts[i][0], pts[i][1]); }
      });
      ctx.strokeStyle = colour;
      ctx.lineWidth = width;
      ctx.stroke();
    }
    ORDER.forEach(function (cls) {
      if (!lines[cls].length) { return; }
      var width = roadWidth(cls, z);
      stroke(cls, ROADS[cls].casing, cased ? width + Math.max(1, width * 0.25) : width);
    });
    if (!cased) { return; }
    ORDER.forEach(function (cls) {
      if (lines[cls].length) { stroke(cls, ROADS[cls].fill, roadWidth(cls, z)); }
    });
  }

  // A place's name centred on its point, moved inside the tile if it would cross an edge.
  function placeLabel(ctx, placer, place, k) {
    var style = PLACES[place[1]] || PLACES.hamlet;
    ctx.font = style.weight + " " + style.size + "px " + FONT;
    var w = ctx.measureText(place[0]).width, h = style.size;
    var limit = placer.size - MARGIN - 1;
    var x = Math.min(Math.max(place[2] * k, MARGIN + 1 + w / 2), limit - w / 2);
    var y = Math.min(Math.max(place[3] * k, MARGIN + 1 + h / 2), limit - h / 2);
    var box = [x - w / 2 - 2, y - h / 2 - 1, x + w / 2 + 2, y + h / 2 + 1];
    if (!placer.fits([box])) { return; }
    ctx.fillStyle = style.colour;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    halo(ctx, place[0], x, y, 3);
    placer.take([box], place[0], "place", x, y);
  }

  // The stretches of a line that turn little, the longest first: [start, end, length].
  function stretches(pts) {
    var out = [];
    var i = 0;
    while (i + 1 < pts.length) {
      var angle = Math.atan2(pts[i + 1][1] - pts[i][1], pts[i + 1][0] - pts[i][0]);
      var j = i + 1;
      while (j + 1 < pts.length) {
        var next = Math.atan2(pts[j + 1][1] - pts[j][1], pts[j + 1][0] - pts[j][0]);
        var turn = Math.abs(Math.atan2(Math.sin(next - angle), Math.cos(next - angle)));
        if (turn > STRAIGHT) { break; }
        j++;
      }
      out.push([pts[i], pts[j], Math.hypot(pts[j][0] - pts[i][0], pts[j][1] - pts[i][1])]);
      i = j;
    }
    return out.sort(function (p, q) { return q[2] - p[2]; });
  }

  // A street name along a stretch of its road, turned to read upright, on the longest
  // stretch where it fits without crossing another label or the tile's edge (none: false).
  function roadLabel(ctx, placer, road, size) {
    ctx.font = "normal " + size + "px " + FONT;
    var w = ctx.measureText(road.name).width, half = size * 0.7;
    var runs = stretches(road.pts);
    for (var r = 0; r < runs.length && runs[r][2] >= w + 2 * size; r++) {
      var a = runs[r][0], b = runs[r][1];
      var angle = Math.atan2(b[1] - a[1], b[0] - a[0]);
      if (angle > Math.PI / 2 || angle < -Math.PI / 2) { angle += Math.PI; }
      var cx = (a[0] + b[0]) / 2, cy = (a[1] + b[1]) / 2;
      // the label's footprint as squares of its height along it (right for any angle)
      var boxes = [], cos = Math.cos(angle), sin = Math.sin(angle);
      for (var s = -w / 2; s <= w / 2 + half; s += half) {
        var px = cx + cos * Math.min(s, w / 2), py = cy + sin * Math.min(s, w / 2);
        boxes.push([px - half, py - half, px + half, py + half]);
      }
      if (placer.fits(boxes)) {
        ctx.save();
        ctx.translate(cx, cy);
        ctx.rotate(angle);
        ctx.fillStyle = "#2e2e2e";
        ctx.textAlign = "center";
        ctx.textBaseline = "middle";
        halo(ctx, road.name, 0, 0, 3);
        ctx.restore();
        placer.take(boxes, road.name, "road", cx, cy);
        return true;
      }
    }
    return false;
  }

  // A reference ("A147") in a shield at the middle of one of the road's segments, the
  // longest where it fits among the labels and inside the tile (none: false).
  function refShield(ctx, placer, road) {
    var pts = road.pts, mids = [];
    for (var i = 0; i + 1 < pts.length; i++) {
      mids.push([(pts[i][0] + pts[i + 1][0]) / 2, (pts[i][1] + pts[i + 1][1]) / 2,
        Math.hypot(pts[i + 1][0] - pts[i][0], pts[i + 1][1] - pts[i][1])]);
    }
    mids.sort(function (p, q) { return q[2] - p[2]; });
    ctx.font = "bold 10px " + FONT;
    var w = ctx.measureText(road.ref).width + 6, h = 13;
    for (var m = 0; m < mids.length; m++) {
      var x = mids[m][0], y = mids[m][1];
      var box = [x - w / 2 - 1, y - h / 2 - 1, x + w / 2 + 1, y + h / 2 + 1];
      if (placer.fits([box])) {
        drawShield(ctx, road, x, y, w, h);
        placer.take([box], road.ref, "ref", x, y);
        return true;
      }
    }
    return false;
  }

  function drawShield(ctx, road, x, y, w, h) {
    var colours = SHIELDS[road.cls] || SHIELDS.other;
    ctx.fillStyle = colours.fill;
    ctx.strokeStyle = colours.border;
    ctx.lineWidth = 1;
    ctx.beginPath();
    if (ctx.roundRect) {
      ctx.roundRect(x - w / 2, y - h / 2, w, h, 2);
    } else {
      ctx.rect(x - w / 2, y - h / 2, w, h);
    }
    ctx.fill();
    ctx.stroke();
    ctx.fillStyle = colours.text;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(road.ref, x, y + 0.5);
  }

  // Draw one tile's data; return the labels drawn ({text, kind, x, y} in CSS pixels).
  function drawTile(canvas, data, z, size, ratio) {
    var ctx = canvas.getContext("2d");
    var k = size / data.extent;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = LAND;
    ctx.fillRect(0, 0, size, size);
    var lines = {};
    ORDER.forEach(function (cls) { lines[cls] = []; });
    var roads = data.roads.map(function (road) {
      var pts = points(road[3], k);
      if (lines[road[0]]) { lines[road[0]].push(pts); }
      return { cls: road[0], name: road[1], ref: road[2].replace(/\s*;\s*/g, "/"), pts: pts };
    });
    drawRoads(ctx, lines, z);
    var placer = new Placer(size);
    data.places.forEach(function (place) { placeLabel(ctx, placer, place, k); });
    // the most important roads are labelled first; a name or reference once per tile
    roads.reverse();
    var done = {};
    var nameSize = z >= 16 ? 12 : z >= 15 ? 11 : 10;
    roads.forEach(function (road) {
      var key = "ref:" + road.ref;
      if (road.ref && !done[key]) { done[key] = refShield(ctx, placer, road); }
    });
    roads.forEach(function (road) {
      var key = "name:" + road.name;
      if (road.name && !done[key]) { done[key] = roadLabel(ctx, placer, road, nameSize); }
    });
    return placer.labels;
  }

  L.GridLayer.GeozonesBasemap = L.GridLayer.extend({
    options: {
      minZoom: 8,
      minNativeZoom: 8,
      maxNativeZoom: 18,
      // credited in the map's own attribution (OS data, OpenStreetMap contributors)
      className: "gz-basemap"
    },

    initialize: function (url, options) {
      this._url = url;
      L.GridLayer.prototype.initialize.call(this, options);
      // a tile that leaves the map before its data came stops asking for it
      this.on("tileunload", function (event) {
        if (event.tile._gzAbort) { event.tile._gzAbort.abort(); }
      });
    },

    createTile: function (coords, done) {
      var canvas = document.createElement("canvas");
      var size = this.getTileSize().x;
      var ratio = window.devicePixelRatio || 1;
      canvas.width = Math.round(size * ratio);
      canvas.height = Math.round(size * ratio);
      canvas.setAttribute("aria-hidden", "true");
      canvas.setAttribute("role", "presentation");
      var abort = window.AbortController ? new AbortController() : null;
      canvas._gzAbort = abort;
      fetch(L.Util.template(this._url, coords), {
        headers: { Accept: "application/json" },
        signal: abort ? abort.signal : undefined
      })
        .then(function (response) {
          if (!response.ok) { throw new Error("basemap tile " + response.status); }
          return response.json();
        })
        .then(function (data) {
          canvas._gzLabels = drawTile(canvas, data, coords.z, size, ratio);
          canvas._gzAbort = null;
          done(null, canvas);
        })
        .catch(function (error) {
          if (error.name !== "AbortError") { done(error, canvas); }
        });
      return canvas;
    },

    // The labels drawn on the tiles of the current zoom: [{text, kind, lat, lng}], kind
    // "road" (a street name), "ref" (a road's reference) or "place".
    drawnLabels: function () {
      var out = [];
      var size = this.getTileSize();
      var map = this._map;
      if (!map) { return out; }
      Object.keys(this._tiles).forEach(function (key) {
        var tile = this._tiles[key];
        if (!tile.current || !tile.el._gzLabels) { return; }
        var origin = tile.coords.scaleBy(size);
        tile.el._gzLabels.forEach(function (label) {
          var at = map.unproject(origin.add([label.x, label.y]), tile.coords.z);
          out.push({ text: label.text, kind: label.kind, lat: at.lat, lng: at.lng });
        });
      }, this);
      return out;
    }
  });

  L.gridLayer.geozonesBasemap = function (url, options) {
    return new L.GridLayer.GeozonesBasemap(url, options);
  };
}());
