// Check-digit validation as the agent types (the server validates again, strictly).
// Swedish personnummer / samordningsnummer: Luhn over the last ten digits.
// Norwegian fødselsnummer / D-number: mod-11 check digits k1 and k2.
"use strict";
(function () {
  function digitsOf(text) { return text.replace(/[\s\-+]/g, ""); }

  function luhnValid(ten) {
    let sum = 0;
    for (let i = 0; i < 10; i++) {
      let d = ten.charCodeAt(i) - 48;
      if (i % 2 === 0) { d *= 2; if (d > 9) d -= 9; }
      sum += d;
    }
    return sum % 10 === 0;
  }

  function mod11(digits, weights) {
    let sum = 0;
    for (let i = 0; i < weights.length; i++) sum += (digits.charCodeAt(i) - 48) * weights[i];
    const k = 11 - (sum % 11);
    return k === 11 ? 0 : k; // 10 means no valid check digit
  }

  function plausibleDate(month, day) {
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
  }

  // Returns { state: "empty" | "incomplete" | "invalid" | "valid", reason }.
  function check(text, kind) {
    const digits = digitsOf(text || "");
    if (digits.length === 0) return { state: "empty" };
    if (!/^[0-9]+$/.test(digits)) return { state: "invalid", reason: "characters" };
    if (kind === "se-personnummer") {
      if (digits.length < 10) return { state: "incomplete" };
      if (digits.length === 11 || digits.length > 12) return { state: "invalid", reason: "length" };
      const ten = digits.length === 12 ? digits.slice(2) : digits;
      const month = Number(ten.slice(2, 4)), day = Number(ten.slice(4, 6));
      if (!plausibleDate(month, day > 60 ? day - 60 : day)) return { state: "invalid", reason: "date" };
      if (!luhnValid(ten)) {
        // 10 digits may be the start of a 12-digit number: wait for more.
        return digits.length === 10 && /^(18|19|20)/.test(digits) ? { state: "incomplete" } : { state: "invalid", reason: "checksum" };
      }
      return { state: "valid" };
    }
    if (kind === "no-fodselsnummer") {
      if (digits.length < 11) return { state: "incomplete" };
      if (digits.length > 11) return { state: "invalid", reason: "length" };
      let day = Number(digits.slice(0, 2)); const month = Number(digits.slice(2, 4)) % 40;
      if (day > 40) day -= 40; // D-number
      if (!plausibleDate(month, day)) return { state: "invalid", reason: "date" };
      const k1 = mod11(digits, [3, 7, 6, 1, 8, 9, 4, 5, 2]);
      const k2 = mod11(digits, [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]);
      if (k1 === 10 || k2 === 10 || k1 !== digits.charCodeAt(9) - 48 || k2 !== digits.charCodeAt(10) - 48) {
        return { state: "invalid", reason: "checksum" };
      }
      return { state: "valid" };
    }
    return { state: "incomplete" };
  }

  window.CheckDigits = { check: check };
})();
