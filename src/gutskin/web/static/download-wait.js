// A download that takes seconds says so while it is made (2026-12-07): the visit report PDF gathers the
// record, draws its charts and lays out two pages (1-5 s on a busy server), and its link showed nothing
// meanwhile, so it was clicked again or taken for broken. A link with data-wait is fetched here: its text
// becomes data-wait ("Preparing the PDF…"), it is aria-busy, and the status element it names
// (data-status, role=status) says what happens; the file is then saved under the server's name. An answer
// that is not the file (signed out, an error page) is opened as the plain link would have opened it.
// Without JavaScript the link is a plain download link. No inline script (CSP).
(function () {
  "use strict";

  function savedName(res) {
    var m = /filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") || "");
    return m ? m[1] : "";
  }

  function save(blob, name) {
    var url = URL.createObjectURL(blob);
    var a = document.createElement("a");
    a.href = url;
    a.download = name;
    a.hidden = true;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
  }

  document.querySelectorAll("a[data-wait]").forEach(function (link) {
    var status = document.getElementById(link.dataset.status || "");
    var type = link.dataset.type || "application/pdf";
    function say(text) { if (status) status.textContent = text; }

    link.addEventListener("click", function (e) {
      if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;  // a new tab: the browser's
      e.preventDefault();
      if (link.getAttribute("aria-busy") === "true") return;  // a second click while it is made
      var label = link.textContent;
      link.setAttribute("aria-busy", "true");
      link.setAttribute("aria-disabled", "true");
      link.textContent = link.dataset.wait;
      say(link.dataset.waitSays || link.dataset.wait);
      fetch(link.href, { credentials: "same-origin" }).then(function (res) {
        if (!res.ok || (res.headers.get("Content-Type") || "").indexOf(type) !== 0) {
          say("");
          window.location.assign(link.href);  // the server's own page: sign in again, or its error
          return null;
        }
        return res.blob().then(function (blob) {
          save(blob, savedName(res) || link.getAttribute("download") || "");
          say(link.dataset.done || "");
        });
      }).catch(function () {
        say(link.dataset.failed || "The download did not arrive (no connection?). Please try again.");
      }).then(function () {
        link.textContent = label;
        link.removeAttribute("aria-busy");
        link.removeAttribute("aria-disabled");
      });
    });
  });
})();
