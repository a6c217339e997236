// Sign in: check the key against the API (GET /v1/me), keep it in localStorage until signing
// out, go where the reader was.

import { ApiError, request, safeNext, storeKey } from "./api.js";

const form = document.getElementById("sign-in");
const input = document.getElementById("api-key");
const error = document.getElementById("api-key-error");

function fail(message) {
  error.textContent = message;
  input.setAttribute("aria-invalid", "true");
  input.focus();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const key = input.value.trim();
  error.textContent = "";
  input.removeAttribute("aria-invalid");
  if (!key) {
    fail("Enter your API key.");
    return;
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    await request("/v1/me", { key });
    storeKey(key);
    location.assign(safeNext(new URLSearchParams(location.search).get("next")));
  } catch (problem) {
    if (problem instanceof ApiError && problem.status === 401) {
      fail("This API key is not valid, or it was revoked.");
    } else {
      fail(`Could not check the key: ${problem.message}`);
    }
  } finally {
    button.disabled = false;
  }
});

input.focus();
