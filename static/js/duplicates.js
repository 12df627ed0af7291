/* glo_act: the "Possible existing records" panel of the identification form, shown while typing.
 *
 * Progressive enhancement only: the server checks for likely duplicates when the form is saved and
 * refuses to save without the caseworker's choice (cases/duplicates.py). Here, when a name, the sex,
 * the date of birth, the age or the citizenship changes, the form is posted (with its CSRF token,
 * never in a URL) to the form's data-duplicates-url; the answer's HTML is put in the panel's slot and
 * its token in the hidden field, so that a choice made now counts. No inline script (CSP).
 */
(function () {
  "use strict";

  var WATCHED = ["given_name", "family_name", "given_name_latin", "family_name_latin", "aliases",
    "gender", "date_of_birth", "estimated_age", "citizenships"];
  var NAMES = ["given_name", "family_name", "given_name_latin", "family_name_latin", "aliases"];

  function init(form) {
    var url = form.getAttribute("data-duplicates-url");
    var slot = form.querySelector("[data-duplicates-slot]");
    var token = form.querySelector("[data-duplicates-token]");
    if (!url || !slot || !token || !window.fetch || !window.FormData) return;
    var last = null;
    var timer = null;
    var pending = null;

    function signature(data) {
      return WATCHED.map(function (name) { return data.getAll(name).join(","); }).join("|");
    }

    function hasName(data) {
      return NAMES.some(function (name) { return String(data.get(name) || "").trim() !== ""; });
    }

    function show(answer) {
      if (!answer || typeof answer.html !== "string") return;
      // The panel comes from our own server, rendered and escaped by Django's templates.
      slot.innerHTML = answer.html;
      token.value = answer.token || "";
      // A choice made on an earlier panel does not carry over to a new one.
      var kept = form.querySelector("input[name=duplicate_kept]");
      if (kept) kept.parentNode.removeChild(kept);
    }

    function check() {
      var data = new FormData(form);
      data.delete("duplicate_decision");
      var sig = signature(data);
      if (sig === last) return;
      last = sig;
      if (!hasName(data)) {
        show({ html: "", token: "" });
        return;
      }
      if (pending && pending.abort) pending.abort();
      pending = window.AbortController ? new AbortController() : null;
      fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-Requested-With": "fetch" },
        signal: pending ? pending.signal : undefined
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(show)
        .catch(function () { /* the server checks again on saving */ });
    }

    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(check, 250);
    }

    WATCHED.forEach(function (name) {
      var field = form.elements[name];
      if (!field) return;
      var fields = field.length !== undefined && !field.tagName ? Array.prototype.slice.call(field) : [field];
      fields.forEach(function (el) {
        el.addEventListener("blur", later);
        el.addEventListener("change", later);
      });
    });

    // A panel the server rendered after saving: bring it into view.
    // What the page was rendered with was checked by the server already.
    last = signature(new FormData(form));
    var panel = slot.querySelector("[data-duplicates-panel]");
    if (panel && !document.querySelector(".has-error")) {
      panel.scrollIntoView({ block: "start" });
      panel.focus({ preventScroll: true });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-duplicates-form]").forEach(init);
  });
})();
