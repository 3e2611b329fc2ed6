/* geozones batch page: upload with progress, poll the job, show and link its result. */
(function () {
  "use strict";

  var form = document.getElementById("gz-batch");
  var progress = document.getElementById("gz-progress");
  var uploadBar = document.getElementById("gz-upload-bar");
  var rowsBar = document.getElementById("gz-rows-bar");
  var jobStatus = document.getElementById("gz-job-status");
  var result = document.getElementById("gz-result");
  // a logged-in session's writes carry its CSRF token (anonymous uploads need none)
  var csrf = document.querySelector("meta[name=csrf-token]");
  function withToken(headers) {
    if (csrf) { headers["X-CSRF-Token"] = csrf.content; }
    return headers;
  }

  function fail(text) {
    jobStatus.textContent = text;
    jobStatus.className = "gz-status gz-error";
    form.querySelector("button").disabled = false;
  }

  function summaryTable(rows) {
    var table = document.getElementById("gz-summary");
    table.textContent = "";
    if (!rows || !rows.length) { return; }
    var columns = Object.keys(rows[0]);
    var head = table.createTHead().insertRow();
    columns.forEach(function (c) {
      var th = document.createElement("th");
      th.textContent = c.replace(/_/g, " ");
      head.appendChild(th);
    });
    var body = table.createTBody();
    rows.forEach(function (r) {
      var tr = body.insertRow();
      columns.forEach(function (c) {
        tr.insertCell().textContent = r[c] === null ? "" : r[c];
      });
    });
  }

  function done(job) {
    jobStatus.textContent = "Done: " + job.rows.toLocaleString() + " rows classified.";
    var counts = Object.keys(job.counts).map(function (k) {
      return job.counts[k].toLocaleString() + " " + k.replace(/_/g, " ");
    });
    document.getElementById("gz-counts").textContent = counts.join(", ") +
      (job.read_as ? " (read as " + job.read_as + ")" : "");
    document.getElementById("gz-download").href = job.result_url;
    var summaryLink = document.getElementById("gz-download-summary");
    var note = document.getElementById("gz-summary-note");
    if (job.summary) {
      summaryLink.href = job.summary_url;
      summaryLink.hidden = false;
      note.textContent = "Summary of the located rows by " + job.summary_by.join(" and ") + "." +
        (job.summary_note ? " " + job.summary_note + "." : "");
    } else {
      summaryLink.hidden = true;
      note.textContent = "No summary: " + job.summary_error;
    }
    summaryTable(job.summary);
    result.hidden = false;
    form.querySelector("button").disabled = false;
  }

  function poll(url) {
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        if (job.error && !job.state) { fail(job.detail || job.error); return; }
        rowsBar.max = Math.max(job.rows, 1);
        rowsBar.value = job.done;
        if (job.state === "running") {
          jobStatus.textContent = "Classifying: " + job.done.toLocaleString() + " of " +
            job.rows.toLocaleString() + " rows…";
          setTimeout(function () { poll(url); }, 400);
        } else if (job.state === "done") {
          done(job);
        } else {
          fail(job.error);
        }
      })
      .catch(function () { fail("The server could not be reached; try again."); });
  }

  // choosing a file proposes the scheme of the region where most of its rows lie
  var fileInput = document.getElementById("gz-file");
  var schemeSelect = document.getElementById("gz-scheme");
  var schemeNote = document.getElementById("gz-scheme-note");
  fileInput.addEventListener("change", function () {
    schemeNote.textContent = "";
    if (!fileInput.files.length) { return; }
    var data = new FormData();
    data.append("file", fileInput.files[0]);
    var column = document.getElementById("gz-column").value;
    if (column) { data.append("column", column); }
    schemeNote.textContent = "Finding where the rows lie…";
    fetch(form.dataset.propose, { method: "POST", body: data, headers: withToken({ Accept: "application/json" }) })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (body.scheme === undefined) { schemeNote.textContent = body.detail || ""; return; }
        var offered = Array.prototype.some.call(schemeSelect.options, function (o) {
          return o.value === body.scheme;
        });
        if (body.scheme && offered) {
          schemeSelect.value = body.scheme;
          schemeNote.textContent = "Proposed: " + body.message + ".";
        } else {
          schemeNote.textContent = body.message + ".";
        }
      })
      .catch(function () { schemeNote.textContent = ""; });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.responseType = "json";
    if (csrf) { xhr.setRequestHeader("X-CSRF-Token", csrf.content); }
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { uploadBar.value = e.loaded / e.total; }
    };
    xhr.onload = function () {
      var body = xhr.response || {};
      if (xhr.status !== 202) { fail(body.detail || "The upload failed (" + xhr.status + ")."); return; }
      uploadBar.value = 1;
      poll(body.status_url);
    };
    xhr.onerror = function () { fail("The upload failed: the server could not be reached."); };
    uploadBar.value = 0;
    rowsBar.value = 0;
    jobStatus.textContent = "Uploading…";
    jobStatus.className = "";
    result.hidden = true;
    progress.hidden = false;
    form.querySelector("button").disabled = true;
    xhr.send(new FormData(form));
  });
})();
