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

  document.addEventListener("DOMContentLoaded", function () {
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
