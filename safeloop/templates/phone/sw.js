/* SafeLoop phone app service worker (scope /m/): keeps the app shell for an offline start.
   Reports and check-ins are not handled here: the page queues them in IndexedDB (app.js). */
"use strict";
const VERSION = "{{ version }}";
const CACHE = "safeloop-phone-" + VERSION;
const SHELL = {{ shell|safe }};
const PAGE = {{ page|safe }};
const API = {{ api|safe }};
const NETWORK_WAIT_MS = 5000;

async function storePage(cache, response) {
  // Only the real page: never a redirect to the login page or an error.
  if (response && response.ok && !response.redirected && response.type === "basic") {
    await cache.put(PAGE, response.clone());
  }
  return response;
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(SHELL.filter((url) => url !== PAGE));
    try {
      await storePage(cache, await fetch(PAGE, { credentials: "same-origin", cache: "no-store" }));
    } catch (error) {
      // Offline while installing: the page is stored on the next visit.
    }
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("safeloop-phone-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

async function page(request) {
  const cache = await caches.open(CACHE);
  const network = fetch(request).then((response) => storePage(cache, response));
  network.catch(() => null);
  const timeout = new Promise((resolve) => setTimeout(resolve, NETWORK_WAIT_MS, null));
  try {
    const response = await Promise.race([network, timeout]);
    if (response) return response;
  } catch (error) {
    // no network: fall through to the stored page
  }
  const stored = await cache.match(PAGE);
  if (stored) return stored;
  return network;
}

async function shellFile(request) {
  const cache = await caches.open(CACHE);
  const stored = await cache.match(request, { ignoreSearch: true });
  return stored || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith(API)) return;
  if (request.mode === "navigate" && url.pathname === PAGE) {
    event.respondWith(page(request));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(shellFile(request));
  }
});
