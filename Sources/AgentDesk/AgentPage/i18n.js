// The page's texts in Swedish, Norwegian (bokmål) and English.
"use strict";
(function () {
  const strings = {
    en: {
      title: "Agent desk – caller verification", heading: "Caller verification", language: "Language", logout: "Log out",
      loginHeading: "Log in", name: "Name", password: "Password", loginButton: "Log in",
      loginFailed: "Wrong name or password.", loginLocked: "Too many attempts. Try again in {s} s.",
      verifyHeading: "Verify caller", profile: "Method", number: "Personal number", callId: "Call id (optional)",
      verifyButton: "Verify caller", cancelButton: "Cancel",
      numberValid: "Check digits are correct.", numberIncomplete: "Keep typing…",
      numberInvalid: "Not a valid number ({reason}).", stepSent: "Request sent",
      stepWaiting: "Waiting for the caller's app", stepResult: "Result",
      wordPairLead: "Read these words to the caller:", resultName: "Name", resultBirthdate: "Birth date",
      resultVerifiedAt: "Verified at", resultNumber: "Number",
      callsHeading: "IVR verifications by call", callsEmpty: "No IVR verifications yet.",
      colCall: "Call", colCaller: "Caller", colStatus: "Status", colName: "Name", colAge: "Age",
      streamLive: "Live", streamLost: "Connection lost – reconnecting…",
      rateLimited: "Rate limit reached. Try again later.", sessionExpired: "Your session ended. Log in again.",
      requestFailed: "The request failed: {m}",
      status_started: "STARTED", status_pending: "PENDING", status_verified: "VERIFIED", status_denied: "DENIED",
      status_expired: "EXPIRED", status_error: "ERROR", status_cancelled: "CANCELLED",
      reason_characters: "characters", reason_length: "length", reason_date: "date", reason_checksum: "check digit",
    },
    sv: {
      title: "Agentdesk – verifiering av uppringare", heading: "Verifiering av uppringare", language: "Språk", logout: "Logga ut",
      loginHeading: "Logga in", name: "Namn", password: "Lösenord", loginButton: "Logga in",
      loginFailed: "Fel namn eller lösenord.", loginLocked: "För många försök. Försök igen om {s} s.",
      verifyHeading: "Verifiera uppringaren", profile: "Metod", number: "Personnummer", callId: "Samtals-id (valfritt)",
      verifyButton: "Verifiera uppringaren", cancelButton: "Avbryt",
      numberValid: "Kontrollsiffran stämmer.", numberIncomplete: "Skriv vidare…",
      numberInvalid: "Inte ett giltigt nummer ({reason}).", stepSent: "Begäran skickad",
      stepWaiting: "Väntar på uppringarens app", stepResult: "Resultat",
      wordPairLead: "Läs upp orden för uppringaren:", resultName: "Namn", resultBirthdate: "Födelsedatum",
      resultVerifiedAt: "Verifierad", resultNumber: "Nummer",
      callsHeading: "IVR-verifieringar per samtal", callsEmpty: "Inga IVR-verifieringar ännu.",
      colCall: "Samtal", colCaller: "Uppringare", colStatus: "Status", colName: "Namn", colAge: "Ålder",
      streamLive: "Live", streamLost: "Anslutningen bröts – ansluter igen…",
      rateLimited: "Gränsen för antal försök är nådd. Försök senare.", sessionExpired: "Sessionen har gått ut. Logga in igen.",
      requestFailed: "Begäran misslyckades: {m}",
      status_started: "STARTAD", status_pending: "VÄNTAR", status_verified: "VERIFIERAD", status_denied: "NEKAD",
      status_expired: "UTGÅNGEN", status_error: "FEL", status_cancelled: "AVBRUTEN",
      reason_characters: "tecken", reason_length: "längd", reason_date: "datum", reason_checksum: "kontrollsiffra",
    },
    nb: {
      title: "Agentdesk – verifisering av innringer", heading: "Verifisering av innringer", language: "Språk", logout: "Logg ut",
      loginHeading: "Logg inn", name: "Navn", password: "Passord", loginButton: "Logg inn",
      loginFailed: "Feil navn eller passord.", loginLocked: "For mange forsøk. Prøv igjen om {s} s.",
      verifyHeading: "Verifiser innringer", profile: "Metode", number: "Fødselsnummer", callId: "Samtale-id (valgfritt)",
      verifyButton: "Verifiser innringer", cancelButton: "Avbryt",
      numberValid: "Kontrollsifrene stemmer.", numberIncomplete: "Skriv videre…",
      numberInvalid: "Ikke et gyldig nummer ({reason}).", stepSent: "Forespørsel sendt",
      stepWaiting: "Venter på innringerens app", stepResult: "Resultat",
      wordPairLead: "Les disse ordene for innringeren:", resultName: "Navn", resultBirthdate: "Fødselsdato",
      resultVerifiedAt: "Verifisert", resultNumber: "Nummer",
      callsHeading: "IVR-verifiseringer per samtale", callsEmpty: "Ingen IVR-verifiseringer ennå.",
      colCall: "Samtale", colCaller: "Innringer", colStatus: "Status", colName: "Navn", colAge: "Alder",
      streamLive: "Live", streamLost: "Forbindelsen brutt – kobler til igjen…",
      rateLimited: "Grensen for antall forsøk er nådd. Prøv senere.", sessionExpired: "Økten er utløpt. Logg inn igjen.",
      requestFailed: "Forespørselen feilet: {m}",
      status_started: "STARTET", status_pending: "VENTER", status_verified: "VERIFISERT", status_denied: "AVVIST",
      status_expired: "UTLØPT", status_error: "FEIL", status_cancelled: "AVBRUTT",
      reason_characters: "tegn", reason_length: "lengde", reason_date: "dato", reason_checksum: "kontrollsiffer",
    },
  };

  let current = "en";

  function t(key, values) {
    let text = (strings[current] && strings[current][key]) || strings.en[key] || key;
    if (values) for (const name of Object.keys(values)) text = text.replace("{" + name + "}", String(values[name]));
    return text;
  }

  function apply(language) {
    current = strings[language] ? language : "en";
    document.documentElement.lang = current;
    for (const element of document.querySelectorAll("[data-i18n]")) element.textContent = t(element.dataset.i18n);
    document.title = t("title");
  }

  function preferred() {
    const saved = window.localStorage ? localStorage.getItem("desk-language") : null;
    if (saved && strings[saved]) return saved;
    for (const language of navigator.languages || [navigator.language || "en"]) {
      const base = language.toLowerCase().split("-")[0];
      if (base === "sv") return "sv";
      if (base === "nb" || base === "no" || base === "nn") return "nb";
      if (base === "en") return "en";
    }
    return "en";
  }

  window.DeskI18n = { t: t, apply: apply, preferred: preferred, get language() { return current; } };
})();
