// Offline cache of the app's static files (issue 8): the survey form's UI
// and its validator (core compiled to wasm) keep working without a network.
// Network first, so a new deploy is picked up at once when online; the cache
// answers only when the network does not. /api/* is never cached here: the
// app keeps the forms and the queued submissions itself (localStorage).
const CACHE = "ybt-static-v1";
// The village app's files only: the office app's page families (NAME.html,
// NAME.js, NAME_bg.wasm: office, authoring, review, surveys, ledger) are
// cached as they are fetched, never downloaded ahead; office pages need not
// work offline.
const FILES = ["/", "/index.html", "/app.js", "/app_bg.wasm", "/style.css", "/boot.js"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(event.request, copy));
        }
        return response;
      })
      .catch(() =>
        caches.match(event.request).then((hit) => hit ?? (event.request.mode === "navigate" ? caches.match("/index.html") : Response.error())),
      ),
  );
});
