// Talking to /api/v1 from the browser: session cookie + CSRF double-submit header.

export class ApiError extends Error {
  constructor(status, body) {
    const err = (body && body.error) || {};
    super(err.message || `request failed with status ${status}`);
    this.status = status;
    this.type = err.type || "error";
    this.field = err.field || null;
    this.problems = err.problems || null;
  }
}

/** An error as text: a settings error lists every problem, each with the line of its path
 * in the submitted text when the server knows it ("line 4: questions[0].labels: ..."). */
export function problemsText(err) {
  if (!err.problems) return err.message;
  const lines = err.problems.map((p) => `${p.line ? `line ${p.line}: ` : ""}${p.path ? `${p.path}: ` : ""}${p.message}`);
  return `invalid settings:\n${lines.join("\n")}`;
}

export function csrfToken() {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === "accord_csrf") return decodeURIComponent(rest.join("="));
  }
  return "";
}

function redirectToLogin() {
  const next = location.pathname + location.search;
  location.assign(`/login?next=${encodeURIComponent(next)}`);
}

/** JSON request to the API; resolves to the parsed body (null for 204). */
export async function api(method, path, body, { raw = false } = {}) {
  const headers = { Accept: "application/json" };
  const init = { method, headers, credentials: "same-origin" };
  if (method !== "GET" && method !== "HEAD") headers["X-CSRF-Token"] = csrfToken();
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(`/api/v1${path}`, init);
  if (res.status === 401 && !path.startsWith("/auth/login")) {
    redirectToLogin();
    throw new ApiError(401, { error: { message: "session expired; log in again" } });
  }
  if (raw) return res;
  if (res.status === 204) return null;
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** Upload a file with progress (fetch cannot report upload progress). */
export function upload(path, formData, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/v1${path}`);
    xhr.setRequestHeader("X-CSRF-Token", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(xhr.response);
      else reject(new ApiError(xhr.status, xhr.response));
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, { error: { message: "network error" } })));
    xhr.send(formData);
  });
}

export const enc = encodeURIComponent;
