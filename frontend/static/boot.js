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
  if (total > 0) {
    bar.max = total;
    bar.value = Math.min(loaded, total);
    status.textContent = `正在下载程序：${kb(loaded)} / ${kb(total)} KB`;
  } else {
    bar.removeAttribute("value"); // no reliable total: an indeterminate bar
    status.textContent = `正在下载程序：已下载 ${kb(loaded)} KB`;
  }
}

async function wasmWithProgress(url) {
  const response = await fetch(url);
  if (!response.ok || !response.body || typeof TransformStream !== "function") return response;
  // A compressed answer's Content-Length counts compressed bytes, while the
  // stream yields them decompressed: then the total is unknown.
  const total = response.headers.get("content-encoding") ? 0 : Number(response.headers.get("content-length")) || 0;
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
