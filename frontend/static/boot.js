// Loads the Yew app (wasm-bindgen output). Kept out of index.html so the
// Content-Security-Policy needs no inline script.
import init from "/app.js";
init();
