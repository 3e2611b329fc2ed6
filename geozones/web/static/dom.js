/* geozones pages' shared helpers (map, editor, plans): elements made from text, never from
   HTML, and JSON writes that carry the logged-in session's CSRF token. */
window.gzDom = (function () {
  "use strict";

  var token = document.querySelector("meta[name=csrf-token]");

  // A new `tag` element with `text` as its text (none when null) appended to `parent`.
  function add(parent, tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (className) { node.className = className; }
    parent.appendChild(node);
    return node;
  }

  // A JSON request with the session's CSRF token; resolves to {ok, status, body}.
  function send(method, url, body) {
    var headers = { "Content-Type": "application/json", Accept: "application/json" };
    if (token) { headers["X-CSRF-Token"] = token.content; }
    return fetch(url, { method: method, headers: headers, body: JSON.stringify(body), credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, status: r.status, body: b }; }); });
  }

  return { add: add, send: send };
})();
