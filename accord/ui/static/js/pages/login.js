// The login form: POST /auth/login sets the session and CSRF cookies.

import { api } from "../api.js";

const form = document.getElementById("login-form");
const error = document.getElementById("login-error");

function nextPath() {
  // resolve "next" the way the browser will, then keep it only if it stays on this
  // origin: a pattern on the raw text misses "/\t/evil.example" (tabs are dropped by
  // the URL parser, leaving "//evil.example")
  const next = new URLSearchParams(location.search).get("next") || "/";
  let url;
  try {
    url = new URL(next, location.origin);
  } catch {
    return "/";
  }
  return url.origin === location.origin ? url.pathname + url.search + url.hash : "/";
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
