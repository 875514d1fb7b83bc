// Incidents map: district boxes of the register, and the visible incidents of the current view
// from map.json (points, clustered again in the browser, or the server's grid clusters).
(() => {
  "use strict";
  const element = document.getElementById("incidents-map");
  if (!element || !window.L) return;
  const data = element.dataset;
  const ORDER = ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"];
  const LETTER = { CLEAR: "C", GREEN: "G", AMBER: "A", "AMBER+STRICT": "S", RED: "R" };
  // Leaflet puts a string given to a popup or tooltip into the page as HTML: every value from
  // the server goes through text() first.
  const text = (value) => String(value ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const css = (tlp) => "tlp-fill-" + String(tlp).toLowerCase().replace("+", "");
  const status = document.getElementById("map-status");
  const map = L.map(element, { zoomSnap: 0.25, zoomDelta: 1, minZoom: 2, maxZoom: 18 });
  map.attributionControl.setPrefix("Leaflet");

  // The view is set before anything is drawn: a layer added to a map without one is
  // projected wrongly.
  const districts = JSON.parse(document.getElementById("district-outlines").textContent);
  const boxes = districts.map((d) => L.latLngBounds([d.box[0], d.box[1]], [d.box[2], d.box[3]]));
  const extent = boxes.reduce((all, box) => (all ? all.extend(box) : L.latLngBounds(box.getSouthWest(), box.getNorthEast())), null);
  const filterBox = (data.bbox || "").split(",").map(Number);
  if (filterBox.length === 4 && filterBox.every(Number.isFinite)) {
    map.fitBounds([[filterBox[1], filterBox[0]], [filterBox[3], filterBox[2]]]);
  } else if (extent) {
    map.fitBounds(extent);
  } else {
    map.setView([20, 0], 2);
  }
  // District names lie under the incidents (Leaflet puts tooltips above markers).
  map.createPane("district-names").style.zIndex = 450;
  const outlines = L.layerGroup().addTo(map);
  districts.forEach((district, n) => {
    L.rectangle(boxes[n], { className: "district-box", weight: 1, fill: false, interactive: false })
      .addTo(outlines);
    L.tooltip({
      permanent: true, direction: "center", className: "district-label", interactive: false,
      pane: "district-names",
    })
      .setLatLng(district.centre).setContent(text(district.name)).addTo(outlines);
  });

  const layer = L.layerGroup().addTo(map);
  const clamp = (value, low, high) => Math.min(high, Math.max(low, value));

  const count = (n) => `${n.toLocaleString()} ${n === 1 ? data.labelOne : data.labelIncidents}`;

  function point(p) {
    const label = `${data.labelIncident}: ${p.category}, ${data.labelSeverity} ${p.severity}, TLP:${p.tlp}`;
    const marker = L.marker([p.lat, p.lon], {
      tlp: p.tlp,
      title: label,
      alt: label,
      icon: L.divIcon({
        className: `incident-marker ${css(p.tlp)}`,
        html: `<span aria-hidden="true">${LETTER[p.tlp] || "?"}</span>`,
        iconSize: [20, 20],
      }),
    });
    const url = data.detailUrl.replace("00000000-0000-0000-0000-000000000000", p.id);
    marker.bindPopup(
      `<p><strong>${text(p.category)}</strong> · ${data.labelSeverity} ${text(p.severity)}</p>` +
      `<p>${text(p.district)} · ${text(p.occurred_at.slice(0, 16).replace("T", " "))}</p>` +
      `<p><span class="tlp-badge tlp-${text(p.tlp.toLowerCase().replace("+", ""))}">TLP:${text(p.tlp)}</span></p>` +
      `<p><a href="${url}">${data.labelOpen}</a></p>`
    );
    return marker;
  }

  function cluster(c) {
    const label = `${count(c.count)}, ${data.labelStrictest} TLP:${c.tlp}`;
    const size = c.count >= 1000 ? 52 : c.count >= 100 ? 44 : 36;
    const marker = L.marker([c.lat, c.lon], {
      title: label,
      icon: L.divIcon({
        className: `grid-cluster ring-${css(c.tlp)}`,
        html: `<span>${c.count.toLocaleString()}</span>`,
        iconSize: [size, size],
      }),
    });
    marker.on("click", () => map.setView([c.lat, c.lon], Math.round(map.getZoom()) + 2));
    return marker;
  }

  function draw(answer) {
    layer.clearLayers();
    if (answer.mode === "clusters") {
      answer.clusters.forEach((c) => layer.addLayer(cluster(c)));
    } else {
      const group = L.markerClusterGroup({
        showCoverageOnHover: false,
        maxClusterRadius: 40,
        iconCreateFunction: (near) => {
          const n = near.getChildCount();
          const strictest = near.getAllChildMarkers()
            .map((m) => m.options.tlp).sort((a, b) => ORDER.indexOf(b) - ORDER.indexOf(a))[0];
          return L.divIcon({
            className: `grid-cluster ring-${css(strictest)}`,
            html: `<span aria-hidden="true">${n}</span><span class="visually-hidden">${count(n)}, ${data.labelStrictest} TLP:${text(strictest)}</span>`,
            iconSize: [32, 32],
          });
        },
      });
      answer.points.forEach((p) => group.addLayer(point(p)));
      layer.addLayer(group);
    }
    status.textContent = count(answer.total);
    element.dataset.mode = answer.mode;
    element.dataset.total = answer.total;
  }

  let pending = null;
  function load() {
    const b = map.getBounds();
    const view = [
      clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90),
      clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90),
    ].map((v) => v.toFixed(5)).join(",");
    const query = new URLSearchParams(data.query);
    query.delete("cursor");
    query.set("view", view);
    query.set("zoom", Math.round(map.getZoom()));
    if (pending) pending.abort();
    pending = new AbortController();
    element.setAttribute("aria-busy", "true");
    // An answer that is not JSON (a sign-in page after the session ended, a server error page)
    // is said as a failure, not drawn and not shown as a parser's message.
    fetch(`${data.url}?${query}`, { signal: pending.signal, credentials: "same-origin" })
      .then((response) => {
        const json = (response.headers.get("Content-Type") || "").startsWith("application/json");
        if (!json) return { ok: false, body: {} };
        return response.json().then((body) => ({ ok: response.ok, body }));
      })
      .then(({ ok, body }) => {
        element.removeAttribute("aria-busy");
        if (ok) draw(body);
        else status.textContent = body.detail || data.labelFailed;
      })
      .catch((error) => {
        if (error.name === "AbortError") return;
        element.removeAttribute("aria-busy");
        status.textContent = data.labelFailed;
      });
  }
  map.on("moveend", load);
  load();
})();
