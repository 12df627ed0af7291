/* glo_act: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  // Province selects list only the provinces of the chosen country (the server checks it too).
  function linkProvince(select) {
    var form = select.form;
    var country = form && form.elements[select.getAttribute("data-province-of")];
    if (!country) return;
    var options = Array.prototype.slice.call(select.options);
    function update() {
      var code = country.value;
      options.forEach(function (option) {
        var own = option.getAttribute("data-country");
        var show = !own || !code || own === code;
        option.hidden = !show;
        option.disabled = !show;
      });
      var current = select.options[select.selectedIndex];
      if (current && current.disabled) select.value = "";
      select.disabled = !code;
    }
    country.addEventListener("change", update);
    update();
  }

  function toggleNav(button) {
    var nav = document.getElementById(button.getAttribute("aria-controls"));
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") === "true";
      button.setAttribute("aria-expanded", String(!open));
      nav.classList.toggle("is-open", !open);
    });
  }

  // The "Refer" form: the agency list shows only agencies in the chosen country that offer every
  // service ticked, and the consent check follows the destination (national or cross-border).
  function linkReferForm(form) {
    var country = form.elements["to_country"];
    var agency = form.elements["to_agency"];
    if (!country || !agency) return;
    var home = form.getAttribute("data-home-country");
    var options = Array.prototype.slice.call(agency.options);
    var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=services]"));
    function update() {
      var wanted = boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
      options.forEach(function (option) {
        var own = option.getAttribute("data-country");
        if (!own) return;
        var offered = (option.getAttribute("data-services") || "").split(" ");
        var show = own === country.value && wanted.every(function (s) { return offered.indexOf(s) >= 0; });
        option.hidden = !show;
        option.disabled = !show;
      });
      var current = agency.options[agency.selectedIndex];
      if (current && current.disabled) agency.value = "";
      var empty = form.querySelector("[data-agency-empty]");
      if (empty) empty.hidden = options.some(function (o) { return o.getAttribute("data-country") && !o.disabled; });
      var cross = country.value !== home;
      form.querySelectorAll("[data-purpose]").forEach(function (el) {
        el.hidden = (el.getAttribute("data-purpose") === "cross_border") !== cross;
      });
    }
    country.addEventListener("change", update);
    boxes.forEach(function (b) { b.addEventListener("change", update); });
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-refer-form]").forEach(linkReferForm);
    document.querySelectorAll("select[data-province-of]").forEach(linkProvince);
    document.querySelectorAll("[data-nav-toggle]").forEach(toggleNav);
    document.documentElement.classList.add("js");
    // After a rejected form, bring the first field in error into view and focus it.
    var invalid = document.querySelector(".has-error input:not([type=hidden]), .has-error select, .has-error textarea");
    if (invalid) {
      invalid.scrollIntoView({ block: "center" });
      invalid.focus({ preventScroll: true });
    }
  });
})();
