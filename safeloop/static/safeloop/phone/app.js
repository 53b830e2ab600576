/* SafeLoop phone app (/m/): hazard reports and patrol check-ins that survive a poor signal.
 *
 * Every item is first written to IndexedDB with a UUID made here (and its photos as Blobs), then sent
 * with `Idempotency-Key: <uuid>`. It leaves the queue only after a 2xx; a final 4xx (bad input) marks it
 * failed with the server's field messages so the worker can fix or discard it; a 409, a 5xx, a timeout
 * or no network keeps it queued. Sending is serialised: one run at a time in this page and, through the
 * Web Locks API, across tabs. The server is idempotent anyway, so a replay never makes a second record.
 */
(function () {
  "use strict";

  const DB_NAME = "safeloop-phone";
  const STORE = "outbox";
  const LOCK = "safeloop-phone-outbox";
  const SYNC_KEY = "safeloop-phone-last-sync";
  const FINAL = new Set([400, 403, 404, 413, 422]);
  const TIMEOUT_MS = { report: 90000, checkin: 30000 };
  const RETRY_EVERY_MS = 60000;

  const config = JSON.parse(document.getElementById("phone-config").textContent);
  const T = JSON.parse(document.getElementById("phone-strings").textContent);
  const $ = (selector, root) => (root || document).querySelector(selector);

  function fmt(text, values) {
    return text.replace(/%\((\w+)\)[sd]/g, (_, name) => String(values[name] ?? ""));
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  // ---- IndexedDB ------------------------------------------------------------------------------------

  let opened = null;
  function db() {
    if (!opened) {
      opened = new Promise((resolve, reject) => {
        const request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = () => {
          if (!request.result.objectStoreNames.contains(STORE)) request.result.createObjectStore(STORE, { keyPath: "id" });
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }
    return opened;
  }

  async function transact(mode, work) {
    const database = await db();
    return new Promise((resolve, reject) => {
      const tx = database.transaction(STORE, mode);
      let result;
      const request = work(tx.objectStore(STORE));
      if (request) request.onsuccess = () => { result = request.result; };
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  const putItem = (item) => transact("readwrite", (store) => store.put(item));
  const removeItem = (id) => transact("readwrite", (store) => store.delete(id));
  const getItem = (id) => transact("readonly", (store) => store.get(id));

  /** Change a stored item in one transaction; an item discarded meanwhile stays discarded. */
  function updateItem(id, changes) {
    return transact("readwrite", (store) => {
      const request = store.get(id);
      request.onsuccess = () => {
        if (request.result) store.put(Object.assign(request.result, changes));
      };
      return null;
    });
  }

  /** This user's items, oldest first (another login on the same phone keeps its own). */
  async function items() {
    const everything = (await transact("readonly", (store) => store.getAll())) || [];
    return everything
      .filter((item) => item.user === config.user)
      .sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
  }

  async function pending() {
    return (await items()).filter((item) => item.status === "pending").length;
  }

  async function enqueue(item) {
    await putItem(item);
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => null);
  }

  // ---- sending --------------------------------------------------------------------------------------

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    const meta = $('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  async function send(item) {
    const headers = { "Idempotency-Key": item.id, "X-CSRFToken": csrfToken(), Accept: "application/json" };
    let url;
    let body;
    if (item.kind === "report") {
      url = config.reports_url;
      body = new FormData();
      for (const [name, value] of Object.entries(item.fields)) body.append(name, value);
      for (const photo of item.photos || []) body.append("photos", photo.blob, photo.name);
    } else {
      url = config.check_ins_url;
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(item.fields);
    }
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), TIMEOUT_MS[item.kind] || 30000);
    try {
      const response = await fetch(url, {
        method: "POST", body, headers, credentials: "same-origin", cache: "no-store", signal: abort.signal,
      });
      let data = null;
      try {
        data = await response.json();
      } catch (error) {
        data = null;
      }
      return { status: response.status, data };
    } finally {
      clearTimeout(timer);
    }
  }

  function serverErrors(result) {
    const data = result.data || {};
    const errors = Array.isArray(data.errors) ? data.errors.map((e) => ({ field: String(e.field || ""), message: String(e.message || "") })) : [];
    if (!errors.length) errors.push({ field: "", message: String(data.detail || `HTTP ${result.status}`) });
    return errors;
  }

  let sentInRun = 0;

  /** One pass over the queue, one item at a time. Returns how the pass ended. */
  async function sendAll() {
    let outcome = "ok";
    for (const listed of await items()) {
      if (listed.status !== "pending") continue;
      const item = await getItem(listed.id); // sent or discarded by another tab meanwhile?
      if (!item || item.status !== "pending") continue;
      let result;
      try {
        result = await send(item);
      } catch (error) {
        await updateItem(item.id, { attempts: (item.attempts || 0) + 1, last_error: String(error && error.message || error) });
        return "offline";
      }
      const status = result.status;
      const isJson = result.data !== null && typeof result.data === "object";
      if (status >= 200 && status < 300) {
        await removeItem(item.id);
        sentInRun += 1;
      } else if (status === 401 || (status === 403 && !isJson)) {
        // Logged out, or a stale CSRF token: keep it and ask for a new login.
        await updateItem(item.id, { last_error: isJson ? String(result.data.detail || "") : `HTTP ${status}` });
        return "login";
      } else if (FINAL.has(status)) {
        await updateItem(item.id, { status: "failed", errors: serverErrors(result), failed_at: new Date().toISOString() });
        if (outcome === "ok") outcome = "failed";
      } else {
        const reason = isJson && result.data.detail ? String(result.data.detail) : `HTTP ${status}`;
        await updateItem(item.id, { attempts: (item.attempts || 0) + 1, last_error: reason });
        if (status >= 500) return "offline";
        outcome = "retry";
      }
    }
    return outcome;
  }

  let running = null;
  let again = false;

  /** Send what is queued. Serialised: a call during a run makes the run go over the queue once more. */
  function flush() {
    if (running) {
      again = true;
      return running;
    }
    sentInRun = 0;
    running = (async () => {
      let outcome = "ok";
      try {
        do {
          again = false;
          outcome = navigator.locks && navigator.locks.request
            ? await navigator.locks.request(LOCK, sendAll)
            : await sendAll();
        } while (again && outcome === "ok");
      } catch (error) {
        outcome = "offline";
      } finally {
        running = null;
      }
      if ((await items()).length || sentInRun || outcome !== "ok") {
        localStorage.setItem(SYNC_KEY, JSON.stringify({ at: new Date().toISOString(), outcome }));
      }
      if (sentInRun) say(T.sent);
      await render();
      return outcome;
    })();
    setSending(true);
    running.finally(() => setSending(false));
    return running;
  }

  // ---- rendering ------------------------------------------------------------------------------------

  function say(text, warn) {
    const box = $("#message");
    box.textContent = text || "";
    box.classList.toggle("warn", Boolean(warn));
  }

  function explain(outcome) {
    if (outcome === "failed") say(T.refused, true);
    else if (outcome === "login") say(fmt(T.sync_login, { time: timeText(new Date().toISOString()) }), true);
    else if (outcome !== "ok") say(T.saved_offline, true);
  }

  function setSending(on) {
    const button = $("#flush");
    button.disabled = on;
    button.setAttribute("aria-busy", on ? "true" : "false");
  }

  function timeText(iso) {
    try {
      return new Date(iso).toLocaleTimeString(document.documentElement.lang || undefined, { hour: "2-digit", minute: "2-digit" });
    } catch (error) {
      return iso;
    }
  }

  function renderSync() {
    let last = null;
    try {
      last = JSON.parse(localStorage.getItem(SYNC_KEY) || "null");
    } catch (error) {
      last = null;
    }
    const box = $("#sync-status");
    if (!last) {
      box.textContent = T.never_synced;
      return;
    }
    const template = { ok: T.synced_at, login: T.sync_login, failed: T.sync_refused_at }[last.outcome] || T.sync_failed_at;
    box.textContent = fmt(template, { time: timeText(last.at) });
    box.dataset.outcome = last.outcome;
  }

  function renderNet() {
    const net = $("#net-state");
    net.textContent = navigator.onLine ? net.dataset.online : net.dataset.offline;
    net.classList.toggle("offline", !navigator.onLine);
  }

  function button(label, className, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = `ph-btn ${className}`;
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  async function render() {
    const all = await items();
    const waiting = all.filter((item) => item.status === "pending");
    const failed = all.filter((item) => item.status === "failed");
    const count = $("#pending-count");
    count.textContent = fmt(T.pending, { count: waiting.length });
    count.dataset.count = String(waiting.length);
    const failedBox = $("#failed-count");
    failedBox.hidden = !failed.length;
    failedBox.textContent = fmt(T.failed, { count: failed.length });
    renderSync();
    renderNet();
    const list = $("#queue-list");
    list.replaceChildren();
    for (const item of [...failed, ...waiting]) {
      const li = document.createElement("li");
      li.className = item.status;
      li.dataset.id = item.id;
      li.dataset.testid = "queue-item";
      const head = document.createElement("div");
      head.className = "ph-item-head";
      head.textContent = `${item.kind === "report" ? T.report : T.check_in} · ${item.label || ""}`;
      const meta = document.createElement("div");
      meta.className = "ph-item-meta";
      meta.textContent = timeText(item.created_at) + (item.status === "pending" && item.last_error ? ` · ${fmt(T.retry_later, { reason: item.last_error })}` : "");
      li.append(head, meta);
      if (item.status === "failed") {
        const errors = document.createElement("ul");
        errors.className = "ph-item-errors";
        for (const error of item.errors || []) {
          const line = document.createElement("li");
          const field = (config.field_labels || {})[error.field] || error.field;
          line.textContent = field ? `${field}：${error.message}` : error.message;
          errors.append(line);
        }
        const actions = document.createElement("div");
        actions.className = "ph-item-actions";
        if (item.kind === "report") actions.append(button(T.edit, "ph-btn-secondary", () => editReport(item)));
        actions.append(button(T.discard, "ph-btn-danger", async () => {
          if (window.confirm(T.confirm_discard)) {
            await removeItem(item.id);
            await render();
          }
        }));
        li.append(errors, actions);
      }
      list.append(li);
    }
  }

  // ---- forms ----------------------------------------------------------------------------------------

  function locate(fieldset, maximumAge) {
    const message = $("[data-locate-message]", fieldset);
    if (!navigator.geolocation) {
      message.textContent = T.locate_failed;
      return;
    }
    message.textContent = T.locating;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        $("[data-lon]", fieldset).value = position.coords.longitude.toFixed(6);
        $("[data-lat]", fieldset).value = position.coords.latitude.toFixed(6);
        const accuracy = $("[data-accuracy]", fieldset);
        if (accuracy) accuracy.value = String(Math.round(position.coords.accuracy));
        message.textContent = fmt(T.located, { metres: Math.round(position.coords.accuracy) });
      },
      () => { message.textContent = T.locate_failed; },
      { enableHighAccuracy: true, timeout: 20000, maximumAge },
    );
  }

  function showTab(name) {
    for (const tab of document.querySelectorAll("[data-tab]")) {
      const on = tab.dataset.tab === name;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      $(`#${tab.getAttribute("aria-controls")}`).hidden = !on;
    }
    if (name === "checkin") locate($("#checkin-form [data-location]"), 30000);
  }

  let carried = []; // photos of a failed report being edited

  function showCarried() {
    const box = $("#r-carried");
    box.hidden = !carried.length;
    box.textContent = fmt(T.photos_carried, { count: carried.length });
  }

  async function editReport(item) {
    const form = $("#report-form");
    for (const name of ["title", "sector", "description", "lon", "lat"]) {
      if (form.elements[name]) form.elements[name].value = item.fields[name] || "";
    }
    carried = item.photos || [];
    showCarried();
    $("[data-form-error]", form).textContent = (item.errors || []).map((e) => e.message).join(" ");
    await removeItem(item.id);
    showTab("report");
    await render();
    form.scrollIntoView();
  }

  async function afterQueued() {
    await render();
    if (navigator.onLine) {
      say(T.sending);
      explain(await flush());
    } else {
      say(T.saved_offline, true);
    }
  }

  async function submitReport(event) {
    event.preventDefault();
    const form = event.target;
    const value = (name) => String(form.elements[name].value || "").trim();
    const files = Array.from(form.elements.photos.files || []);
    const problem = !value("title") ? T.need_title
      : !value("sector") ? T.need_sector
      : (!value("lon") || !value("lat")) && !(files.length || carried.length) ? T.need_location : "";
    $("[data-form-error]", form).textContent = problem;
    if (problem) return;
    const photos = [...carried];
    for (const file of files) {
      photos.push({ name: file.name || "photo.jpg", blob: new Blob([await file.arrayBuffer()], { type: file.type || "image/jpeg" }) });
    }
    const fields = { title: value("title"), sector: value("sector"), reported_at: new Date().toISOString() };
    for (const name of ["description", "lon", "lat"]) if (value(name)) fields[name] = value(name);
    await enqueue({
      id: uuid(), kind: "report", user: config.user, created_at: new Date().toISOString(), status: "pending",
      label: fields.title, fields, photos, attempts: 0, errors: [],
    });
    const lon = value("lon");
    const lat = value("lat");
    form.reset();
    form.elements.lon.value = lon; // the worker is still standing there
    form.elements.lat.value = lat;
    carried = [];
    showCarried();
    await afterQueued();
  }

  async function submitCheckIn(event) {
    event.preventDefault();
    const form = event.target;
    const value = (name) => String(form.elements[name].value || "").trim();
    const problem = !value("lon") || !value("lat") ? T.need_position : "";
    $("[data-form-error]", form).textContent = problem;
    if (problem) return;
    const number = (text) => (Number.isFinite(Number(text)) ? Number(text) : text);
    const fields = { lon: number(value("lon")), lat: number(value("lat")), at: new Date().toISOString() };
    if (value("accuracy_m")) fields.accuracy_m = number(value("accuracy_m"));
    if (value("enterprise_id")) fields.enterprise_id = value("enterprise_id");
    if (value("note")) fields.note = value("note");
    const site = form.elements.enterprise_id;
    await enqueue({
      id: uuid(), kind: "checkin", user: config.user, created_at: new Date().toISOString(), status: "pending",
      label: site.value ? site.options[site.selectedIndex].text : timeText(fields.at), fields, attempts: 0, errors: [],
    });
    form.elements.note.value = "";
    await afterQueued();
  }

  // ---- start ----------------------------------------------------------------------------------------

  function start() {
    for (const tab of document.querySelectorAll("[data-tab]")) tab.addEventListener("click", () => showTab(tab.dataset.tab));
    for (const fieldset of document.querySelectorAll("[data-location]")) {
      $("[data-locate]", fieldset).addEventListener("click", () => locate(fieldset, 0));
    }
    $("#report-form").addEventListener("submit", submitReport);
    $("#checkin-form").addEventListener("submit", submitCheckIn);
    $("#flush").addEventListener("click", () => {
      say(T.sending);
      flush().then(explain);
    });
    window.addEventListener("online", () => { renderNet(); flush(); });
    window.addEventListener("offline", renderNet);
    setInterval(() => { if (navigator.onLine && !running) pending().then((n) => n && flush()); }, RETRY_EVERY_MS);
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(config.sw_url, { scope: config.scope }).catch(() => null);
    }
    locate($("#report-form [data-location]"), 60000);
    render().then(() => { if (navigator.onLine) flush(); });
  }

  /** For tests and support: read the queue, send it, put items back (e.g. to replay sent ones). */
  window.SafeLoopQueue = {
    pending,
    flush,
    items,
    async requeue(list) {
      for (const item of list) await putItem(Object.assign({}, item, { status: "pending" }));
      await render();
    },
  };

  start();
})();
