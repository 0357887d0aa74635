// The agent desk page: login, "Verify caller", live progress over Server-Sent Events,
// and the IVR verifications by call. No framework, no build step, no inline script (CSP).
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const t = (key, values) => window.DeskI18n.t(key, values);
  const state = { csrf: null, profiles: [], current: null, calls: new Map(), events: null };

  // ---- HTTP ----
  async function api(method, path, body) {
    const headers = { "Accept": "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && state.csrf) headers["X-CSRF-Token"] = state.csrf;
    const response = await fetch(path, {
      method, headers, credentials: "same-origin", cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    if (response.status !== 204) { try { data = await response.json(); } catch (e) { data = null; } }
    return { status: response.status, data, retryAfter: response.headers.get("Retry-After") };
  }

  function show(element, visible) { element.hidden = !visible; }
  function setError(element, text) { element.textContent = text || ""; show(element, !!text); }

  // ---- Login ----
  async function startup() {
    const language = window.DeskI18n.preferred();
    $("language").value = language;
    window.DeskI18n.apply(language);
    $("language").addEventListener("change", () => {
      try { localStorage.setItem("desk-language", $("language").value); } catch (e) { /* private mode */ }
      window.DeskI18n.apply($("language").value);
      renderNumberHint(); renderCurrent(); renderCalls();
    });
    $("login-form").addEventListener("submit", onLogin);
    $("logout").addEventListener("click", onLogout);
    $("verify-form").addEventListener("submit", onVerify);
    $("cancel").addEventListener("click", onCancel);
    $("number").addEventListener("input", renderNumberHint);
    $("profile").addEventListener("change", renderNumberHint);
    setInterval(renderCalls, 5000); // ages
    const session = await api("GET", "/api/v1/session");
    if (session.status === 200) enterDesk(session.data); else showLogin();
  }

  function showLogin(message) {
    closeEvents();
    state.csrf = null;
    show($("desk-section"), false); show($("logout"), false); show($("agent-name"), false);
    show($("login-section"), true);
    setError($("login-error"), message);
    $("login-name").focus();
  }

  async function onLogin(event) {
    event.preventDefault();
    setError($("login-error"), "");
    $("login-submit").disabled = true;
    try {
      const answer = await api("POST", "/api/v1/login", { name: $("login-name").value, password: $("login-password").value });
      $("login-password").value = "";
      if (answer.status === 200) {
        const session = await api("GET", "/api/v1/session");
        if (session.status === 200) { enterDesk(session.data); return; }
      }
      if (answer.status === 429) setError($("login-error"), t("loginLocked", { s: answer.retryAfter || "?" }));
      else setError($("login-error"), t("loginFailed"));
    } catch (e) {
      setError($("login-error"), t("requestFailed", { m: e.message }));
    } finally {
      $("login-submit").disabled = false;
    }
  }

  async function onLogout() {
    await api("POST", "/api/v1/logout");
    showLogin();
  }

  function enterDesk(session) {
    state.csrf = session.csrfToken;
    state.profiles = session.profiles || [];
    $("agent-name").textContent = session.agent;
    show($("agent-name"), true); show($("logout"), true);
    show($("login-section"), false); show($("desk-section"), true);
    const select = $("profile");
    select.textContent = "";
    for (const profile of state.profiles) {
      const option = document.createElement("option");
      option.value = profile.name; option.textContent = profile.name; option.dataset.kind = profile.numberKind;
      select.appendChild(option);
    }
    renderNumberHint();
    openEvents();
    loadCalls();
    $("number").focus();
  }

  // ---- Number validation as you type ----
  function selectedKind() {
    const option = $("profile").selectedOptions[0];
    return option ? option.dataset.kind : "";
  }

  function renderNumberHint() {
    const hint = $("number-hint"), input = $("number");
    const result = window.CheckDigits.check(input.value, selectedKind());
    input.classList.toggle("valid", result.state === "valid");
    input.classList.toggle("invalid", result.state === "invalid");
    input.setAttribute("aria-invalid", result.state === "invalid" ? "true" : "false");
    hint.classList.toggle("bad", result.state === "invalid");
    hint.classList.toggle("good", result.state === "valid");
    hint.textContent = result.state === "valid" ? t("numberValid")
      : result.state === "invalid" ? t("numberInvalid", { reason: t("reason_" + result.reason) })
      : result.state === "incomplete" ? t("numberIncomplete") : "";
    $("verify-submit").disabled = result.state !== "valid" || isRunning();
    return result.state === "valid";
  }

  // ---- Verify ----
  function isRunning() { return !!(state.current && (state.current.status === "started" || state.current.status === "pending")); }

  async function onVerify(event) {
    event.preventDefault();
    if (!renderNumberHint()) return;
    setError($("verify-error"), "");
    const body = { profile: $("profile").value, number: $("number").value };
    if ($("callid").value.trim()) body.uniqueid = $("callid").value.trim();
    state.current = { status: "started", txn: null };
    renderCurrent();
    const answer = await api("POST", "/api/v1/verifications", body);
    if (answer.status === 201) {
      $("number").value = ""; // the full number leaves the page as soon as it is sent
      renderNumberHint();
      if (!state.current.txn || state.current.txn === answer.data.txn) mergeCurrent(answer.data);
      return;
    }
    state.current = null;
    renderCurrent();
    if (answer.status === 401) return showLogin(t("sessionExpired"));
    if (answer.status === 429) return setError($("verify-error"), t("rateLimited"));
    setError($("verify-error"), t("requestFailed", { m: (answer.data && answer.data.message) || answer.status }));
  }

  async function onCancel() {
    if (!state.current || !state.current.txn) return;
    const answer = await api("DELETE", "/api/v1/verifications/" + encodeURIComponent(state.current.txn));
    if (answer.status === 200) mergeCurrent(answer.data);
  }

  function mergeCurrent(record) {
    if (!state.current) return;
    if (state.current.txn && state.current.txn !== record.txn) return;
    // Never go back from a final state (events and answers may cross).
    const order = { started: 0, pending: 1 };
    const before = order[state.current.status] !== undefined ? order[state.current.status] : 2;
    const after = order[record.status] !== undefined ? order[record.status] : 2;
    if (state.current.txn && after < before) return;
    state.current = record;
    renderCurrent();
  }

  function renderCurrent() {
    const record = state.current;
    show($("progress"), !!record);
    show($("cancel"), isRunning() && !!(record && record.txn));
    $("verify-submit").disabled = isRunning() || window.CheckDigits.check($("number").value, selectedKind()).state !== "valid";
    if (!record) return;
    const final = !(record.status === "started" || record.status === "pending");
    const steps = { sent: $("step-sent"), waiting: $("step-waiting"), result: $("step-result") };
    for (const step of Object.values(steps)) step.className = "";
    steps.sent.className = record.txn ? "done" : "active";
    if (record.status === "pending") steps.waiting.className = "active";
    if (final) { steps.waiting.className = "done"; steps.result.className = record.status === "verified" ? "done" : "failed"; }
    $("word-pair").textContent = record.wordPair || "";
    show($("word-pair-box"), !!record.wordPair && !final);
    show($("result"), final);
    if (final) {
      $("result").className = "result " + (record.status === "verified" ? "verified" : "failed");
      $("result-status").textContent = t("status_" + record.status) + (record.error && record.status !== "verified" ? " (" + record.error + ")" : "");
      const claims = record.claims || {};
      $("result-name").textContent = claims.name || [claims.givenName, claims.familyName].filter(Boolean).join(" ") || "–";
      $("result-birthdate").textContent = claims.birthdate || "–";
      $("result-time").textContent = record.status === "verified" ? new Date(record.updatedAt).toLocaleString(window.DeskI18n.language) : "–";
      $("result-number").textContent = record.numberMasked || "–";
      $("result-txn").textContent = record.txn || "";
    }
  }

  // ---- Events ----
  function openEvents() {
    closeEvents();
    const source = new EventSource("/api/v1/events");
    state.events = source;
    source.addEventListener("open", () => { $("stream-state").textContent = t("streamLive"); loadCalls(); });
    source.addEventListener("error", () => { $("stream-state").textContent = t("streamLost"); });
    source.addEventListener("verification", (event) => {
      let record;
      try { record = JSON.parse(event.data); } catch (e) { return; }
      if (state.current && state.current.txn === record.txn) mergeCurrent(record);
      if (record.initiator === "ivr") { state.calls.set(record.txn, record); renderCalls(); }
    });
    source.addEventListener("resync", loadCalls);
    source.addEventListener("shutdown", () => { $("stream-state").textContent = t("streamLost"); });
  }

  function closeEvents() { if (state.events) { state.events.close(); state.events = null; } }

  async function loadCalls() {
    const answer = await api("GET", "/api/v1/verifications?limit=100");
    if (answer.status === 401) return showLogin(t("sessionExpired"));
    if (answer.status !== 200) return;
    state.calls.clear();
    for (const record of answer.data.verifications) if (record.initiator === "ivr") state.calls.set(record.txn, record);
    renderCalls();
    if (state.current && state.current.txn) {
      const mine = answer.data.verifications.find((r) => r.txn === state.current.txn);
      if (mine) mergeCurrent(mine);
    }
  }

  function age(iso) {
    const seconds = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
    return seconds < 90 ? seconds + " s" : seconds < 5400 ? Math.round(seconds / 60) + " min" : Math.round(seconds / 3600) + " h";
  }

  function renderCalls() {
    const body = $("calls-body");
    if (!body) return;
    body.textContent = "";
    const records = Array.from(state.calls.values()).sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
    for (const record of records) {
      const row = document.createElement("tr");
      const cells = [record.linkedid || record.uniqueid || "–", record.callerIDMasked || "–", t("status_" + record.status),
        (record.claims && record.claims.name) || "", age(record.createdAt)];
      cells.forEach((text, index) => {
        const cell = document.createElement("td");
        cell.textContent = text;
        if (index === 2) cell.className = "status-" + record.status;
        row.appendChild(cell);
      });
      body.appendChild(row);
    }
    show($("calls-empty"), records.length === 0);
  }

  document.addEventListener("DOMContentLoaded", startup);
})();
