// Assessment pages: the request form shows the chosen kind's parameters; the result map draws
// the cells of the result (the same cells are in the page's table, for keyboard users).
(function () {
  "use strict";

  function showKindParams() {
    const select = document.querySelector("[data-kind-select]");
    if (!select) return;
    const update = () => {
      document.querySelectorAll("fieldset.params").forEach((fieldset) => {
        fieldset.hidden = fieldset.dataset.kind !== select.value;
      });
    };
    select.addEventListener("change", update);
    update();
  }

  const STYLE = {
    hot: { color: "#a4161a", fillColor: "#e5383b", fillOpacity: 0.55, weight: 1 },
    cold: { color: "#0b3d91", fillColor: "#4895ef", fillOpacity: 0.5, weight: 1 },
    flagged: { color: "#7a3e00", fillColor: "#f48c06", fillOpacity: 0.6, weight: 1 },
    plain: { color: "#555", fillColor: "#bbb", fillOpacity: 0.25, weight: 1 },
  };

  function popup(cell, labels) {
    const box = document.createElement("div");
    const title = document.createElement("strong");
    title.textContent = `${labels[cell.label] || cell.label} ${cell.id}`;
    box.appendChild(title);
    const facts = document.createElement("div");
    facts.textContent = cell.risk !== null && cell.risk !== undefined
      ? `${labels.risk}: ${Number(cell.risk).toFixed(4)}`
      : `${labels.count}: ${cell.count}`;
    box.appendChild(facts);
    if (cell.url && (cell.count || cell.risk !== undefined)) {
      const link = document.createElement("a");
      link.href = cell.url;
      link.textContent = labels.behind;
      box.appendChild(link);
    }
    return box;
  }

  function drawMap() {
    const node = document.getElementById("result-map");
    const data = document.getElementById("map-data");
    if (!node || !data || typeof L === "undefined") return;
    const layer = JSON.parse(data.textContent);
    const named = document.getElementById("map-labels");
    const labels = named ? JSON.parse(named.textContent) : {};
    const map = L.map(node, { scrollWheelZoom: false });
    const group = L.featureGroup();
    layer.cells.forEach((cell) => {
      const [w, s, e, n] = cell.bbox;
      L.rectangle([[s, w], [n, e]], STYLE[cell.label] || STYLE.plain)
        .bindPopup(() => popup(cell, labels))
        .addTo(group);
    });
    group.addTo(map);
    L.control.scale({ imperial: false }).addTo(map);
    map.fitBounds(group.getBounds(), { padding: [20, 20] });
  }

  document.addEventListener("DOMContentLoaded", () => {
    showKindParams();
    drawMap();
  });
})();
