/* headatlas: draw every chart container (div.ha-chart) from window.__specs.
   Specs are assigned by small inline scripts next to each container. This runs on first load,
   after Material's instant navigation (document$), and whenever a spec script runs late. */
(function () {
  "use strict";
  function render() {
    if (typeof vegaEmbed !== "function") return;
    var specs = window.__specs || {};
    var boxes = document.querySelectorAll("div.ha-chart");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      var spec = specs[box.id];
      if (!spec || box.getAttribute("data-drawn") === "1") continue;
      box.setAttribute("data-drawn", "1");
      vegaEmbed(box, spec, {
        renderer: "svg",
        actions: { export: true, source: false, compiled: false, editor: false },
        downloadFileName: box.id
      }).catch(function (err) {
        console.error("headatlas chart failed", err);
      });
    }
  }
  window.__haRender = render;
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(function () { render(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
})();
