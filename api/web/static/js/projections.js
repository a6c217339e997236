// For admins: the projections (GET /v1/projections), how far behind the log each is, and a
// rebuild from the whole log (POST /v1/projections/{name}/rebuild, admin only).

import { ApiError, get, sender } from "./api.js";
import { h, replace, words } from "./ui.js";

function table(items, rebuild) {
  return h("table", { class: "grid-table" },
    h("thead", {}, h("tr", {}, ["View", "Events read", "Log head", "Behind", ""].map((text) => h("th", { scope: "col" }, text)))),
    h("tbody", {}, items.map((item) => h("tr", {},
      h("th", { scope: "row" }, words(item.name)),
      h("td", {}, String(item.position)),
      h("td", {}, String(item.head)),
      h("td", {}, item.lag ? `${item.lag} events` : "up to date"),
      h("td", {}, h("button", { type: "button", class: "secondary", onclick: () => rebuild(item.name), "aria-label": `Rebuild ${words(item.name).toLowerCase()}` }, "Rebuild"))))));
}

export async function projectionsPanel(container) {
  const send = sender();
  const line = h("p", { class: "status", role: "status" });
  async function show(message = "") {
    const { items } = await get("/v1/projections");
    replace(container, table(items, rebuild), line);
    line.textContent = message;
  }
  async function rebuild(name) {
    try {
      await send(`/v1/projections/${encodeURIComponent(name)}/rebuild`, undefined);
      await show(`Rebuilding ${words(name).toLowerCase()} from the whole log.`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      line.textContent = `Not rebuilt: ${error.message}`;
    }
  }
  await show();
}
