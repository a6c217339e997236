// One account: its equity figures and its departments from GET /v1/accounts/{account}, its
// deals from GET /v1/opportunities?account=, and the deals it referred, each linked.

import { allItems, ApiError, get, requireKey, settings as loadSettings } from "./api.js";
import { deals, departments, equityExplanation, figures, referred } from "./account-view.js";
import { momentumExplanation } from "./explain.js";
import { announce, replace, shell } from "./ui.js";

const name = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
const status = document.getElementById("status");
const els = Object.fromEntries(["account-name", "figures", "deals", "departments", "referred"]
  .map((id) => [id, document.getElementById(id)]));

async function start() {
  if (!requireKey()) return;
  await shell();
  let account;
  try {
    account = await get(`/v1/accounts/${encodeURIComponent(name)}`);
  } catch (error) {
    const missing = error instanceof ApiError && error.status === 404;
    els["account-name"].textContent = name || "Account";
    announce(status, missing ? "No deal has this account." : `Could not load the account: ${error.message}`, "error");
    return;
  }
  const [items, settings] = await Promise.all([
    allItems("/v1/opportunities", { account: name, sort: "-opened_at", limit: 100 }, 20), loadSettings()]);
  els["account-name"].textContent = account.account;
  document.title = `${account.account} · smallwins`;
  replace(els.figures, figures(account), equityExplanation());
  replace(els.deals, deals(items), items.length ? momentumExplanation(settings) : null);
  replace(els.departments, departments(account.relationships, new Map(items.map((d) => [d.id, d.title]))));
  replace(els.referred, referred(account.referred));
  announce(status, `${account.account}: ${items.length} deal${items.length === 1 ? "" : "s"}, ${account.referred.length} referred.`);
}

start().catch((error) => announce(status, `Could not load the page: ${error.message}`, "error"));
