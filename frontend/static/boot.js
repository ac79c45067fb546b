// Loads the Yew app (wasm-bindgen output). Kept out of index.html so the
// Content-Security-Policy needs no inline script.
import init from "/app.js";
init();

// The service worker keeps the app's files (UI and validator) for offline
// use: emergency surveys are filled where the network is down (issue 8).
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js").catch(() => {});
}
