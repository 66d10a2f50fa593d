// gutskin front-end: slider read-outs, CSRF header for htmx, trend chart. No inline scripts (CSP).
(function () {
  "use strict";
  // The browser's time zone, so "today" is the person's day, not the server's
  // (web/pages/common.py local_today). A page that showed the server's date is shown again.
  (function rememberTimeZone() {
    var tz = "";
    try { tz = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return; }
    if (!/^[A-Za-z0-9_+\-\/]{1,64}$/.test(tz)) return;
    var want = "tz=" + tz;
    function has() { return document.cookie.split("; ").indexOf(want) >= 0; }
    if (has()) return;
    document.cookie = want + "; path=/; max-age=31536000; SameSite=Lax" + (location.protocol === "https:" ? "; Secure" : "");
    if (has() && document.getElementById("date-defaulted")) location.reload();  // only if cookies work: no loop
  })();
  function drawForecast(root) {
    // every forecast chart of the fragment: itch (#forecast-chart) and sleep loss
    var canvases = (root || document).querySelectorAll("canvas.forecast-chart");
    window.gutskinForecasts = window.gutskinForecasts || {};
    Array.prototype.forEach.call(canvases, function (canvas) {
      // JSON in a single-quoted data attribute (Jinja's tojson escapes quotes): a <script> holding it
      // would be dropped from the htmx-swapped panel (allowScriptTags is off) and the chart left blank
      if (!canvas.dataset.forecast || !window.Chart) return;
      var f = JSON.parse(canvas.dataset.forecast);
      if (!f) return;
      var labels = f.days.map(function (d) { return d.date; });
      function band(level, i) { return f.days.map(function (d) { return d.bands[level][i]; }); }
      var chart = new window.Chart(canvas, {
        type: "line",
        data: {
          labels: labels,
          datasets: [
            { label: "80% band", data: band("80", 1), borderWidth: 0, pointRadius: 0, backgroundColor: "rgba(28,110,140,0.12)", fill: "+1" },
            { label: "80% low", data: band("80", 0), borderWidth: 0, pointRadius: 0 },
            { label: "50% band", data: band("50", 1), borderWidth: 0, pointRadius: 0, backgroundColor: "rgba(28,110,140,0.25)", fill: "+1" },
            { label: "50% low", data: band("50", 0), borderWidth: 0, pointRadius: 0 },
            { label: canvas.dataset.label || "Expected", data: f.days.map(function (d) { return d.mean; }), borderColor: "#1c6e8c", backgroundColor: "#1c6e8c" }
          ]
        },
        options: { animation: false, maintainAspectRatio: false, scales: { y: { min: 0, max: 10 } },
                   plugins: { legend: { labels: { filter: function (item) { return item.text.indexOf("low") < 0; } } } } }
      });
      window.gutskinForecasts[canvas.id] = chart;
      if (canvas.id === "forecast-chart") window.gutskinForecast = chart;
      canvas.dataset.ready = "1";
    });
  }
  var palette = ["#1c6e8c", "#b3261e", "#2e7d32", "#e69500", "#8e5bb3", "#5b6475", "#00838f", "#6d4c41", "#c2185b", "#283593"];
  function drawSimulation(root) {
    var canvas = (root || document).querySelector("#sim-chart");
    if (!canvas || !canvas.dataset.sim || !window.Chart) return;
    var r = JSON.parse(canvas.dataset.sim);
    if (!r) return;
    var sets = Object.keys(r.arms).map(function (arm, i) {
      return { label: arm, data: r.arms[arm].easi_by_week_median, borderColor: palette[i % palette.length],
               backgroundColor: palette[i % palette.length], pointRadius: 0 };
    });
    window.gutskinSimulation = new window.Chart(canvas, {
      type: "line", data: { labels: r.weeks, datasets: sets },
      options: { animation: false, maintainAspectRatio: false,
                 scales: { y: { min: 0, title: { display: true, text: "median EASI (0–72 scale)" } }, x: { title: { display: true, text: "week" } } } }
    });
    canvas.dataset.ready = "1";
  }
  // On a phone a wide table scrolls sideways (app.css): keyboard users must be able to focus it to
  // scroll it (WCAG 2.1.1; axe scrollable-region-focusable). Only tables that do overflow become tab stops.
  function focusableScrollers() {
    document.querySelectorAll("table").forEach(function (t) {
      if (t.scrollWidth > t.clientWidth + 1) { if (!t.hasAttribute("tabindex")) { t.setAttribute("tabindex", "0"); t.dataset.scroller = "1"; } }
      else if (t.dataset.scroller) { t.removeAttribute("tabindex"); delete t.dataset.scroller; }
    });
  }
  // The diary form on a phone with a bad connection (docs/web.md, "Phone walk"). What is typed is
  // kept in this tab (sessionStorage, under the account, profile and day) until the server's
  // "Saved." for that day: a save that failed (no connection, no answer, signed out meanwhile) is
  // filled in again when the day is opened, and said so. Save is sent with fetch, so a failure
  // leaves the person on the form with a sentence saying it was not saved, where the plain form
  // post went to the browser's error page and the entry was gone. Logging out (or "Sign out
  // everywhere" in this tab) forgets the drafts. A session ended from elsewhere (sign out everywhere
  // on another device, an expired session) keeps them for the same account only: the first signed-in
  // page of another account in this tab (body data-account) deletes every draft not its own, so
  // nobody else who signs in here sees, or finds in the tab's storage, what was typed (2026-12-06).
  // The server's answer to a Save is shown in place (showPage): one POST per Save, one page read.
  var DRAFT = "gutskin-draft:";
  var DRAFT_HOURS = 72;
  function draftKeys(store) {
    var keys = [];
    for (var i = 0; i < store.length; i++) { var k = store.key(i); if (k && k.indexOf(DRAFT) === 0) keys.push(k); }
    return keys;
  }
  // What a person types on the diary form, comparable between a draft and a form the server rendered:
  // the hidden fields the server sets (version, date, which factors were recorded) left out, numbers
  // as numbers, notes without line-end and outer-space differences.
  var NOT_TYPED = /^(csrf_token|base|date|flare_recorded|custom_value|r:.*)$/;
  function typedValues(pairs) {
    return pairs.filter(function (p) { return !NOT_TYPED.test(p[0]); }).map(function (p) {
      var v = String(p[1]).replace(/\r\n?/g, "\n").trim();
      if (/^-?(\d+\.?\d*|\.\d+)$/.test(v)) v = String(parseFloat(v));
      return p[0] + "=" + v;
    }).sort().join("\n");
  }
  // true when the server has the draft's day (data-stored) exactly as the draft holds it; a day not
  // stored never matches (a new day's prefilled form equal to the draft is still not saved)
  function storedAs(draft, form) {
    if (!draft || !draft.fields || !form.hasAttribute("data-stored")) return false;
    var now = [];
    new FormData(form).forEach(function (v, k) { now.push([k, String(v)]); });
    return typedValues(draft.fields) === typedValues(now);
  }
  function diaryDrafts() {
    var store = null;
    try { store = window.sessionStorage; } catch (e) { return; }
    if (!store) return;
    var account = document.body.dataset.account;
    if (account) draftKeys(store).forEach(function (k) { if (k.slice(DRAFT.length).split(":")[0] !== account) store.removeItem(k); });
    // Drafts of profiles this account can no longer open (a child's profile deleted, a co-caregiver's
    // access ended): the page names the ones it may (body data-draft-profiles); the others' drafts are
    // health data of a record gone from this account, and their links answer 404 (2026-12-06).
    var allowed = document.body.dataset.draftProfiles;
    if (account && allowed !== undefined) {
      var ids = allowed.split(" ").filter(Boolean);
      draftKeys(store).forEach(function (k) { if (ids.indexOf(k.slice(DRAFT.length).split(":")[1]) < 0) store.removeItem(k); });
    }
    document.querySelectorAll("form[action='/logout'], form[action='/account/sign-out-everywhere']").forEach(function (f) {
      f.addEventListener("submit", function () { draftKeys(store).forEach(function (k) { store.removeItem(k); }); });
    });
    draftKeys(store).forEach(function (k) {  // a draft older than three days is not brought back
      try { if (Date.now() - JSON.parse(store.getItem(k)).t > DRAFT_HOURS * 3600e3) store.removeItem(k); } catch (e) { store.removeItem(k); }
    });
    var loginNote = document.getElementById("draft-login-note");
    if (loginNote && draftKeys(store).length) loginNote.hidden = false;
    var form = document.querySelector("form.diary[data-draft]");
    if (!form) return;
    var key = DRAFT + form.dataset.draft;
    var status = document.getElementById("save-status");
    var button = form.querySelector("button[type=submit]");
    // sent: kept when Save was pressed. If the page is left before the server's answer (a link tapped
    // while "Saving…"), the answer is never read and the draft stays although the server saved the day:
    // the day was then listed "not saved yet" and filled in again as unsaved (2026-12-07). Such a draft is
    // compared with what the server has (storedAs) when its day is opened or listed, and dropped if the same.
    function keep(sent) {
      var fields = [];
      new FormData(form).forEach(function (v, k) { if (k !== "csrf_token") fields.push([k, String(v)]); });
      try { store.setItem(key, JSON.stringify({ t: Date.now(), fields: fields, sent: sent === true })); } catch (e) { /* storage full or off */ }
    }
    var kept = null;
    try { kept = JSON.parse(store.getItem(key)); } catch (e) { store.removeItem(key); }
    if (document.getElementById("saved-msg")) store.removeItem(key);  // the server says this day is saved
    else if (document.getElementById("save-error")) keep();  // a refused save: the form holds the typed values and the version to replace
    else if (kept && storedAs(kept, form)) store.removeItem(key);  // the server has the day as typed: nothing to bring back
    else if (kept) {
      var values = {};
      kept.fields.forEach(function (p) { (values[p[0]] = values[p[0]] || []).push(p[1]); });
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.name === "csrf_token" || el.name === "date" || el.type === "submit" || el.type === "button") return;
        var v = values[el.name];
        if (el.type === "checkbox") el.checked = !!v && v.indexOf(el.value) >= 0;
        else if (el.type === "hidden") { if (el.name === "base" && v) el.value = v[0]; }  // the day as it was when typed
        else el.value = v ? v[0] : "";
      });
      form.querySelectorAll("input[type=range][data-unset]").forEach(function (el) {
        if (!values[el.dataset.unset]) el.dispatchEvent(new Event("input"));  // it was moved: a score
      });
      var restored = document.getElementById("draft-restored");
      if (restored) restored.hidden = false;
      var discard = document.getElementById("draft-discard");
      if (discard) discard.addEventListener("click", function () { store.removeItem(key); location.reload(); });
    }
    var others = draftKeys(store).filter(function (k) { return k !== key && k.indexOf(DRAFT + form.dataset.draft.split(":")[0] + ":") === 0; });
    var list = document.getElementById("other-drafts-links");
    // a draft of another day whose Save was sent without an answer read: that day's page is read once to
    // see whether the server has it as typed (then it is dropped, not listed); unread or different, listed
    Promise.all(others.map(function (k) {
      var d = null;
      try { d = JSON.parse(store.getItem(k)); } catch (e) { return k; }
      if (!d || !d.sent || !window.fetch || !window.DOMParser) return k;
      var parts = k.slice(DRAFT.length).split(":");
      return fetch("/today?date=" + encodeURIComponent(parts[2]) + "&patient=" + encodeURIComponent(parts[1]),
                   { credentials: "same-origin" }).then(function (res) { return res.ok ? res.text() : ""; }).then(function (text) {
        var f = text && new DOMParser().parseFromString(text, "text/html").querySelector("form.diary[data-draft]");
        if (f && f.dataset.draft === k.slice(DRAFT.length) && storedAs(d, f)) { store.removeItem(k); return null; }
        return k;
      }, function () { return k; });
    })).then(function (left) {
      listOthers(left.filter(Boolean));
      document.body.dataset.draftsChecked = "1";  // for the tests: the list is final
    });
    function listOthers(others) {
      if (others.length && list) {
      others.forEach(function (k, i) {
        var parts = k.slice(DRAFT.length).split(":");
        var a = document.createElement("a");
        a.href = "/today?date=" + encodeURIComponent(parts[2]) + "&patient=" + encodeURIComponent(parts[1]);
        a.textContent = parts[2];
        if (i) list.appendChild(document.createTextNode(", "));
        list.appendChild(a);
      });
      document.getElementById("other-drafts").hidden = false;
      }
    }
    form.addEventListener("input", keep);
    form.addEventListener("change", keep);
    function failed(text) {
      delete form.dataset.sending;
      button.disabled = false;
      status.className = "error";
      status.textContent = text;
    }
    form.addEventListener("submit", function (e) {
      keep(true);
      if (form.dataset.native || !window.fetch || !window.AbortController || !status) return;  // the plain post
      e.preventDefault();
      if (form.dataset.sending) return;  // a second tap while the first save is on its way
      form.dataset.sending = "1";
      button.disabled = true;
      status.className = "";
      status.textContent = "Saving…";
      var ctrl = new AbortController();
      var timer = setTimeout(function () { ctrl.abort(); }, 30000);
      // X-Gutskin-Save: the server answers a good save with the saved page itself (and its address in
      // X-Gutskin-Location) instead of a redirect: one request, and once its answer is here nothing
      // else has to load for the phone to know the day is saved
      fetch(form.action, { method: "POST", body: new URLSearchParams(new FormData(form)), credentials: "same-origin",
                           headers: { "X-Gutskin-Save": "fetch" }, signal: ctrl.signal }).then(function (res) {
        clearTimeout(timer);
        var to = new URL(res.url, location.href);
        if (to.pathname === "/login") {
          failed("Not saved: you were signed out. What you typed is kept on this phone: log in again and open this day to save it.");
          var a = document.createElement("a"); a.href = "/login"; a.textContent = " Log in";
          status.appendChild(a);
          return;
        }
        var where = res.ok && res.headers.get("X-Gutskin-Location");
        var saved = where || (res.ok && to.pathname === "/today" && to.searchParams.get("saved") && res.url);
        if (saved) {
          store.removeItem(key);  // saved: even if the page after it does not load, there is nothing to bring back
          status.className = "ok";
          status.textContent = "Saved.";
        }
        if ((res.headers.get("Content-Type") || "").indexOf("text/html") < 0) {
          if (saved) location.assign(saved);
          else failed("Not saved: the server answered " + res.status + ". What you typed is kept on this phone: press Save again.");
          return;
        }
        // The answer is the page to show: the saved day, or the form
        // again with why it was refused (a value, a day changed meanwhile). It is shown as it came:
        // posting the form again (as this did before 2026-12-06) sent a refused Save twice and read
        // the day twice, and loading the saved page again read it twice.
        return res.text().then(function (text) { showPage(text, saved || null); }, function () {
          if (saved) location.assign(saved);
          else failed("Not saved, as far as this phone knows: the answer was cut off. What you typed is kept here: press Save again (saving twice stores the day once).");
        });
      }, function () {
        clearTimeout(timer);
        failed(ctrl.signal.aborted
          ? "Not saved, as far as this phone knows: no answer within 30 seconds. What you typed is kept here: press Save again (saving twice stores the day once)."
          : "Not saved: no connection. What you typed is kept on this phone: press Save again when you are online.");
      });
    });
  }
  // A form that must survive a lost connection (data-send="fetch": the appointment request, 2026-12-07;
  // the phone walk's tunnel sent the plain post to the browser's "No internet" page and the typed reason
  // was gone). Sent with fetch as the diary's Save is: a failure leaves the person on the form with what
  // they typed and a sentence in its status (.send-status) saying it was not sent and what to do; the
  // server's answer (the page after a good send, which the redirect leads to, or the form refused with its
  // problems) is shown as a post's would be (showPage). Sending twice is safe: the server keeps one request
  // for the same one sent again within minutes. Without script (or fetch) the form is a plain post.
  //
  // Since 2026-12-07 also the clinician's answer to a request, the patient's answer and "Also send to"
  // (docs/web.md, "Other forms sent with fetch"): a form with several buttons sends the one pressed
  // (name=action value=...), the status names that button ("press Decline again"), and the sentence on
  // sending twice is the form's own (data-twice). Only an answer that was redirected (the post's
  // "done": the page after it) is shown at its address; a refused form's answer stays at this page's
  // address (the form's action can be a POST-only address, which a reload then could not open).
  function sentWithFetch() {
    document.querySelectorAll("form[data-send=fetch]").forEach(function (form) {
      var status = form.querySelector(".send-status");
      var buttons = Array.prototype.slice.call(form.querySelectorAll("button:not([type=button])"));
      if (!status || !buttons.length || !window.fetch || !window.AbortController || !window.DOMParser || form.dataset.sendReady) return;
      form.dataset.sendReady = "1";
      var twice = form.dataset.twice || "sending it twice makes one request";
      function failed(text) {
        delete form.dataset.sending;
        buttons.forEach(function (b) { b.disabled = false; });
        status.className = "send-status error";
        status.textContent = text;
      }
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        if (form.dataset.sending) return;  // a second tap while the first is on its way
        var pressed = e.submitter && buttons.indexOf(e.submitter) >= 0 ? e.submitter : buttons[0];
        var again = "press " + pressed.textContent.trim() + " again";
        var body = new FormData(form);
        if (pressed.name) body.append(pressed.name, pressed.value);  // FormData(form) leaves the pressed button out
        form.dataset.sending = "1";
        buttons.forEach(function (b) { b.disabled = true; });
        status.className = "send-status";
        status.textContent = "Sending…";
        var ctrl = new AbortController();
        var timer = setTimeout(function () { ctrl.abort(); }, 30000);
        // the attribute: form.action is the button named "action" on a form that has one (the answers' Accept, Decline)
        var to = new URL(form.getAttribute("action") || "", location.href).href;
        fetch(to, { method: "POST", body: new URLSearchParams(body), credentials: "same-origin",
                             signal: ctrl.signal }).then(function (res) {
          clearTimeout(timer);
          if (new URL(res.url, location.href).pathname === "/login") {
            failed("Not sent: you were signed out. What you typed is still here: log in again in another tab, then " + again + ".");
            return;
          }
          if ((res.headers.get("Content-Type") || "").indexOf("text/html") < 0) {
            failed("Not sent: the server answered " + res.status + ". What you typed is still here: " + again + ".");
            return;
          }
          // the page after a good send (the post's redirect, ?sent=), or the form again with why it was refused
          return res.text().then(function (text) {
            if (res.redirected && res.ok) forgetDraft(form);  // sent: nothing to bring back
            showPage(text, res.redirected ? res.url : null);
          }, function () {
            failed("Not sent, as far as this page knows: the answer was cut off. What you typed is still here: " + again +
                   " (" + twice + ").");
          });
        }, function () {
          clearTimeout(timer);
          failed(ctrl.signal.aborted
            ? "Not sent, as far as this page knows: no answer within 30 seconds. What you typed is still here: " + again +
              " (" + twice + ")."
            : "Not sent: no connection. What you typed is still here: " + again + " when you are online.");
        });
      });
    });
  }
  // What is typed in a form with data-draft-form (the appointment request, the clinician's answer to one;
  // 2026-12-07) is kept in this tab as the diary's day is (sessionStorage, under the account and the form's
  // data-draft-form "<profile>:<form>"), so a reload, a page left by mistake or a send that failed does not
  // lose it: a fresh form of the same key is filled in again and says so (.draft-note). Forgotten when the
  // server took the form (sentWithFetch: its redirect), after three days, on Log out and Sign out everywhere
  // in this tab (and by Clear-Site-Data in the others), and by the first signed-in page of another account
  // (body data-account), as the diary's drafts; a profile the account can no longer open drops its drafts.
  var FORM_DRAFT = "gutskin-form:";
  function formDraftKey(form) {
    var account = document.body.dataset.account;
    return account && form.dataset.draftForm ? FORM_DRAFT + account + ":" + form.dataset.draftForm : null;
  }
  function draftStore() {
    try { return window.sessionStorage || null; } catch (e) { return null; }
  }
  function forgetDraft(form) {
    var store = draftStore(), key = formDraftKey(form);
    if (store && key) store.removeItem(key);
  }
  function formDrafts() {
    var store = draftStore();
    if (!store) return;
    var keys = [];
    for (var i = 0; i < store.length; i++) { var k = store.key(i); if (k && k.indexOf(FORM_DRAFT) === 0) keys.push(k); }
    var account = document.body.dataset.account;
    var allowed = document.body.dataset.draftProfiles;
    keys.forEach(function (k) {
      var parts = k.slice(FORM_DRAFT.length).split(":");
      var d = null;
      try { d = JSON.parse(store.getItem(k)); } catch (e) { /* dropped below */ }
      if (!d || Date.now() - d.t > DRAFT_HOURS * 3600e3 || (account && parts[0] !== account) ||
          (account && allowed !== undefined && /^\d+$/.test(parts[1]) && allowed.split(" ").indexOf(parts[1]) < 0)) {
        store.removeItem(k);
      }
    });
    document.querySelectorAll("form[action='/logout'], form[action='/account/sign-out-everywhere']").forEach(function (f) {
      if (f.dataset.formDraftsOut) return;
      f.dataset.formDraftsOut = "1";
      f.addEventListener("submit", function () {
        for (var j = store.length - 1; j >= 0; j--) { var k = store.key(j); if (k && k.indexOf(FORM_DRAFT) === 0) store.removeItem(k); }
      });
    });
    document.querySelectorAll("form[data-draft-form]").forEach(function (form) {
      var key = formDraftKey(form);
      if (!key || form.dataset.draftReady) return;
      form.dataset.draftReady = "1";
      function typed() {
        return Array.prototype.filter.call(form.elements, function (el) {
          return el.name && el.name !== "csrf_token" && (el.tagName === "TEXTAREA" || el.type === "text" || el.type === "datetime-local");
        });
      }
      function keep() {
        var fields = [];
        Array.prototype.forEach.call(form.elements, function (el) {
          if (!el.name || el.name === "csrf_token" || el.type === "hidden" || el.type === "submit" || el.tagName === "BUTTON") return;
          if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
          fields.push([el.name, el.value]);
        });
        if (!typed().some(function (el) { return el.value.trim(); })) { store.removeItem(key); return; }  // nothing typed
        try { store.setItem(key, JSON.stringify({ t: Date.now(), fields: fields })); } catch (e) { /* storage full or off */ }
      }
      var kept = null;
      try { kept = JSON.parse(store.getItem(key)); } catch (e) { store.removeItem(key); }
      if (typed().some(function (el) { return el.value.trim(); })) keep();  // a refused form with what was typed in it
      else if (kept && kept.fields) {
        var values = {};
        kept.fields.forEach(function (p) { (values[p[0]] = values[p[0]] || []).push(p[1]); });
        Array.prototype.forEach.call(form.elements, function (el) {
          if (!el.name || el.name === "csrf_token" || el.type === "hidden" || el.type === "submit" || el.tagName === "BUTTON") return;
          var v = values[el.name];
          if (el.type === "checkbox" || el.type === "radio") el.checked = !!v && v.indexOf(el.value) >= 0;
          else if (v) el.value = v[0];
        });
        var note = form.querySelector(".draft-note");
        if (note) note.hidden = false;
      }
      form.addEventListener("input", keep);
      form.addEventListener("change", keep);
    });
  }
  // A page answered to a fetch (the diary's Save) shown in place of this one, as a form post's
  // answer would be: its title and body; its address when it has one of its own (the saved day,
  // which then replaces the form's entry in the history, so Back does not lead to the stale form).
  // The body's scripts do not run (DOMParser); this file sets the new body up again (initPage).
  function showPage(text, url) {
    var doc = new DOMParser().parseFromString(text, "text/html");
    document.title = doc.title;
    document.body.replaceWith(document.adoptNode(doc.body));
    if (url) history.replaceState(null, "", url);
    window.scrollTo(0, 0);
    if (window.htmx) window.htmx.process(document.body);
    initPage();
  }
  window.addEventListener("resize", focusableScrollers);
  document.addEventListener("htmx:afterSwap", function (evt) { drawForecast(evt.detail.target); drawSimulation(evt.detail.target); focusableScrollers(); });
  document.addEventListener("DOMContentLoaded", initPage);
  function initPage() {
    document.querySelectorAll("input[type=range][data-output]").forEach(function (el) {
      var out = document.getElementById(el.dataset.output);
      if (!out) return;
      function record() {
        out.textContent = el.value;
        var unset = el.dataset.unset && document.getElementById(el.dataset.unset);
        if (unset) { unset.remove(); out.insertAdjacentText("afterend", "/10"); delete el.dataset.unset; }
      }
      el.addEventListener("input", record);
      // A slider left at 0 fires no "input" when tapped or when Left/Home is pressed there: a good
      // day (itch 0) could not be recorded without moving away and back. A tap (click; a scroll
      // gesture fires none) or a value key is a choice too.
      el.addEventListener("click", record);
      el.addEventListener("keydown", function (e) {
        if (["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"].indexOf(e.key) >= 0) record();
      });
    });
    diaryDrafts();
    formDrafts();
    sentWithFetch();
    // a refused form's list of problems (_field_error.html summary) is where the keyboard and the screen reader start
    var problems = document.querySelector(".error-summary[data-focus]");
    if (problems) problems.focus();
    var csrf = document.body.dataset.csrf;
    if (csrf) {
      document.body.addEventListener("htmx:configRequest", function (evt) { evt.detail.headers["X-CSRF-Token"] = csrf; });
    }
    drawSimulation(document);
    focusableScrollers();
    var dataEl = document.getElementById("trend-data");
    var canvas = document.getElementById("trend-chart");
    if (dataEl && canvas && window.Chart) {
      var d = JSON.parse(dataEl.textContent);
      var flares = d.flare.map(function (f) { return f ? 10 : null; });
      // POEM, one dataset per rater (summary.trends' poem_series): on a child's profile the parent's
      // answers and the child's are two versions, validated apart, never one series (2026-12-07)
      var POEM_STYLE = { proxy: ["#e69500", "circle"], self: ["#c2185b", "rectRot"], "null": ["#6d6d6d", "crossRot"] };
      var poemSets = (d.poem_series && d.poem_series.length ? d.poem_series : [{ label: "POEM (0-28)", respondent: "any", points: d.poem || [] }]).map(function (s) {
        var style = POEM_STYLE[String(s.respondent)] || POEM_STYLE.proxy;
        var data = d.dates.map(function () { return null; });
        s.points.forEach(function (p) { var i = d.dates.indexOf(p.date); if (i >= 0) data[i] = p.total; });
        return { label: s.label, respondent: s.respondent, data: data, borderColor: style[0], backgroundColor: style[0],
                 pointStyle: style[1], showLine: false, pointRadius: 5, yAxisID: "y2" };
      });
      // a diary begun inside the window is drawn from its first day (the page's data-from): a new diary's
      // one point sat at the right edge of 84 empty days (new-user walk, 2026-12-07); the data keeps every day
      var xScale = { ticks: { maxTicksLimit: 8 } };
      if (canvas.dataset.from && d.dates.indexOf(canvas.dataset.from) > 0) xScale.min = canvas.dataset.from;
      window.gutskinChart = new window.Chart(canvas, {
        type: "line",
        data: {
          labels: d.dates,
          datasets: [
            { label: "Itch (0-10)", data: d.itch, borderColor: "#1c6e8c", backgroundColor: "#1c6e8c", spanGaps: false, tension: 0.2, yAxisID: "y" },
            { label: "Sleep loss (0-10)", data: d.sleep_loss, borderColor: "#8e5bb3", backgroundColor: "#8e5bb3", spanGaps: false, tension: 0.2, yAxisID: "y" },
            { label: "Flare", data: flares, type: "bar", backgroundColor: "rgba(179,38,30,0.18)", barPercentage: 1.0, categoryPercentage: 1.0, yAxisID: "y" }
          ].concat(poemSets)
        },
        options: {
          animation: false, maintainAspectRatio: false, interaction: { mode: "index", intersect: false },
          scales: {
            // the axes in the legend's words and scales: "NRS" (numeric rating scale) meant nothing to a parent (phone walk, 2026-12-07)
            y: { min: 0, max: 10, title: { display: true, text: "Itch, sleep loss (0-10)" } },
            y2: { min: 0, max: 28, position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: "POEM (0-28)" } },
            x: xScale
          }
        }
      });
      canvas.dataset.ready = "1";
      var select = document.getElementById("overlay-factor");
      if (select) {
        select.addEventListener("change", function () {
          var chart = window.gutskinChart;
          chart.data.datasets = chart.data.datasets.filter(function (ds) { return !ds.isFactor; });
          var name = select.value;
          if (name) {
            var days = d.factor_days[name] || [];
            chart.data.datasets.push({
              label: (d.factor_labels || {})[name] || name, isFactor: true, showLine: false, pointRadius: 4, pointStyle: "triangle",
              borderColor: "#2e7d32", backgroundColor: "#2e7d32", yAxisID: "y",
              data: d.dates.map(function (day) { return days.indexOf(day) >= 0 ? 0.3 : null; })
            });
          }
          chart.update();
          // the same in words: a screen reader heard nothing when the triangles appeared (2026-12-06)
          var said = document.getElementById("overlay-said");
          if (said) {
            var shown = name ? (d.factor_days[name] || []).filter(function (day) { return d.dates.indexOf(day) >= 0; }).length : 0;
            var logged = d.logged.filter(Boolean).length;
            said.textContent = name ? ((d.factor_labels || {})[name] || name) + " on " + shown + " of the " + logged +
              " logged day" + (logged === 1 ? "" : "s") + " in this period, marked with green triangles at the foot of the chart." : "";
          }
        });
      }
    }
  }
})();
