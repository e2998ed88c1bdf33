// The login form: POST /auth/login sets the session and CSRF cookies.

import { api } from "../api.js";

const form = document.getElementById("login-form");
const error = document.getElementById("login-error");

function nextPath() {
  const next = new URLSearchParams(location.search).get("next") || "/";
  // only same-site paths: "/x" but never "//host" or "/\host"
  return /^\/(?![/\\])/.test(next) ? next : "/";
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.textContent = "";
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    await api("POST", "/auth/login", {
      username: form.username.value,
      password: form.password.value,
    });
    location.assign(nextPath());
  } catch (err) {
    error.textContent = err.message;
    form.password.select();
  } finally {
    button.disabled = false;
  }
});
