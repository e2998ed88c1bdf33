// Account: change your own password (POST /auth/password, the current one required).

import { api } from "../api.js";
import { notify } from "../shell.js";

const form = document.getElementById("password-form");
const error = document.getElementById("password-error");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.textContent = "";
  const current = document.getElementById("current-password");
  const fresh = document.getElementById("new-password");
  const again = document.getElementById("new-password-again");
  if (fresh.value !== again.value) {
    error.textContent = "the two new passwords differ";
    again.select();
    return;
  }
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    await api("POST", "/auth/password", { current_password: current.value, new_password: fresh.value });
    form.reset();
    notify("Password changed; your other sessions and API tokens were revoked", "ok");
  } catch (err) {
    error.textContent = err.message;
  } finally {
    button.disabled = false;
  }
});
