// Loads a Yew app (wasm-bindgen output). Kept out of the HTML so the
// Content-Security-Policy needs no inline script. index.html loads the
// small village app (app.js); an office family's page (office.html, and
// the other families' pages built from it), marked <html data-app="NAME">,
// that family's bundle (NAME.js), which the other bundles hand its pages
// over to (issue 14).
//
// The app's WebAssembly is most of what a first visit downloads: on a
// village phone's slow connection it takes seconds. It is fetched here,
// counted as it streams (and still compiled while it streams), and the
// shell index.html painted shows how far it is (issue 14).
const app = /^[a-z]+$/.test(document.documentElement.dataset.app ?? "") ? document.documentElement.dataset.app : "app";

const bar = document.getElementById("load-progress");
const status = document.getElementById("load-status");
const kb = (bytes) => Math.round(bytes / 1024).toLocaleString("zh-CN");

function show(loaded, total) {
  if (!bar || !status) return;
  if (total > 0 && loaded <= total) {
    bar.max = total;
    bar.value = loaded;
    status.textContent = `正在下载程序：${Math.floor((100 * loaded) / total)}%`;
  } else {
    bar.removeAttribute("value"); // no reliable total: an indeterminate bar
    status.textContent = `正在下载程序：已下载 ${kb(loaded)} KB`;
  }
}

async function wasmWithProgress(url) {
  const response = await fetch(url);
  if (!response.ok || !response.body || typeof TransformStream !== "function") return response;
  // The stream yields the wasm decompressed, so the total is the wasm's own
  // size: the build writes it into the page (`data-wasm-bytes`); a
  // compressed answer's Content-Length counts compressed bytes. More than
  // that arriving (a page and a wasm of different builds) turns the bar
  // indeterminate.
  const built = Number(document.documentElement.dataset.wasmBytes) || 0;
  const total = response.headers.get("content-encoding") ? built : Number(response.headers.get("content-length")) || built;
  let loaded = 0;
  show(0, total);
  const counted = response.body.pipeThrough(
    new TransformStream({
      transform(chunk, controller) {
        loaded += chunk.byteLength;
        show(loaded, total);
        controller.enqueue(chunk);
      },
    }),
  );
  return new Response(counted, { headers: { "Content-Type": "application/wasm" } });
}

// Who is signed in, asked now rather than once the app runs: the app takes
// this answer for its first check (api::me), so the sign-in form (or the
// inbox) shows one round trip sooner — 150 ms and more on a village phone.
// A failed request (offline) resolves to null: the app then keeps the user
// remembered on the device, as for any unanswered check.
window.ybtMe = fetch("/api/auth/me", { credentials: "same-origin" }).catch(() => null);

// The village page's sign-in form works before the app has arrived (issue
// 14): signing in is a round trip anyway, and it overlaps the download.
// It is a template until `me` says nobody is signed in (no hidden fields to
// type into, nothing flashed at a signed-in user). The form's `data-boot`
// says where it is, for this script and for the app that takes it over
// (frontend/src/pages/login.rs):
//   open       shown, to be typed in;
//   sending    a sign-in is on its way (`window.ybtMe` is its answer now);
//   handover   the app has started and takes the form over: this script
//              leaves it alone (a submit then only sets `data-submit`, and
//              the app's own page sends it).
// Once signed in the form leaves the page; the download goes on. The office
// page has no such form.
const template = document.getElementById("boot-login-form");
if (template) {
  // Nobody signed in (any answer but 200), or no answer and nobody
  // remembered on this device: show the form. Signed in, or remembered
  // while offline: the app decides; the page keeps saying it is loading.
  window.ybtMe.then((response) => {
    if ((response ? !response.ok : !remembered()) && template.isConnected) bootSignIn(template);
    else if (response?.ok) response.clone().json().then(toOffice, () => {});
  });
}

// Someone whose home is the office app (`Me::office_home`, decided in
// core) and who is on the village page's home goes there at once — after
// signing in here or already signed in — instead of downloading the
// village app only for it to send them on (a page with a task or survey
// in its address stays: the village app serves those to everyone). The
// village app makes the same jump when this script does not.
function toOffice(me) {
  const home = location.pathname === "/" && (location.hash === "" || location.hash === "#");
  if (!me?.office_home || me.must_change_password || !home) return false;
  const loading = document.getElementById("boot-loading");
  if (loading) loading.textContent = "正在打开办公端… Opening the office app…";
  location.replace("/office");
  return true;
}

function bootSignIn(template) {
  const panel = template.content.firstElementChild.cloneNode(true);
  template.replaceWith(panel);
  const form = panel.querySelector("form");
  const alert = panel.querySelector("#boot-login-error");
  const loading = document.getElementById("boot-loading");
  const button = form.querySelector("button[type=submit]");
  const state = (s) => {
    if (s) form.dataset.boot = s;
    return form.dataset.boot;
  };
  const say = (zh, en) => {
    if (loading) loading.textContent = `${zh} ${en}`;
  };
  // The server's own message when it gives one (zh first, en beside).
  const showError = (zh, en) => {
    alert.replaceChildren();
    if (!zh) return;
    const line = (text, lang, id) => {
      const p = document.createElement("p");
      p.className = "error";
      p.lang = lang;
      if (id) p.id = id;
      p.textContent = text;
      return p;
    };
    alert.append(line(zh, "zh-CN", "login-error"), line(en, "en"));
  };
  const setBusy = (busy) => {
    button.disabled = busy;
    form.setAttribute("aria-busy", String(busy));
    button.firstChild.textContent = busy ? "正在登录… " : "登录 ";
  };
  say("正在加载一表通，可以先登录…", "Loading: you can sign in meanwhile…");

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (state() === "handover") {
      form.dataset.submit = "1";
      return;
    }
    if (state() !== "open") return;
    const body = JSON.stringify({ username: form.username.value.trim(), password: form.password.value });
    state("sending");
    setBusy(true);
    showError();
    const answer = fetch("/api/auth/login", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Yibiaotong": "1" },
      body,
    }).catch(() => null);
    // The app's first session check takes this answer (api::me): signed
    // in, it goes straight on; refused, its own page shows why.
    window.ybtMe = answer;
    // The first reaction to the answer, so the copy of a refusal's body is
    // taken before anyone reads it: the app reads the original.
    answer.then(async (response) => {
      const body = response ? await response.clone().json().catch(() => null) : null;
      settle(response, body);
    });
  });

  function settle(response, body) {
    if (state() !== "sending") return; // the app has taken over
    if (response && response.ok) {
      panel.remove();
      if (!toOffice(body)) say("已登录，正在加载一表通…", "Signed in: loading…");
      return;
    }
    state("open");
    setBusy(false);
    const message = body?.error?.message;
    if (message?.zh) showError(message.zh, message.en ?? "");
    else if (response) showError(`登录失败（HTTP ${response.status}），请稍后再试`, `sign-in failed (HTTP ${response.status}): try again later`);
    else showError("无法连接服务器，请检查网络后重试", "cannot reach the server: check the connection and try again");
    // Focus where the person will type again; the wrong password selected,
    // so that typing replaces it.
    form.password.focus();
    form.password.select();
  }
}

/** Whether the app remembers a signed-in user on this device (app.rs). */
function remembered() {
  try {
    return localStorage.getItem("ybt-me") !== null;
  } catch {
    return false;
  }
}

// The wasm starts streaming at once; the module that runs it (preloaded by
// the page) is imported meanwhile.
const wasm = wasmWithProgress(`/${app}_bg.wasm`);
import(`/${app}.js`)
  .then(({ default: init }) => init({ module_or_path: wasm }))
  .catch((error) => {
    if (status) status.textContent = "程序加载失败，请检查网络后刷新页面。Loading failed: check the connection and reload.";
    console.error(error);
  });

// The service worker keeps the app's files (UI and validator) for offline
// use: emergency surveys are filled where the network is down (issue 8).
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js").catch(() => {});
}
