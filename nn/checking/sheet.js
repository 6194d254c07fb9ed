// The exercise sheet's script: each answer typed is checked on the page, offline.
//
// The page carries its answer key (nn.checking.checker.answer_key, as JSON): every
// quantity's number, and what each catalogued mistake gives there when every earlier
// number is right. An answer is right within the check's tolerance (numpy's isclose,
// as `deltagrad exercise --check` reads it). The first wrong answer, in the lecture's
// order, is compared with what each mistake gives, and the mistakes it matches are
// named with their hints, as the checker names them; a wrong answer after it may only
// carry that slip, so the page says to put the first right before reading more into it.
(function () {
  "use strict";
  const key = JSON.parse(document.getElementById("answer-key").textContent);
  const bySymbol = {};
  key.quantities.forEach(function (q) { bySymbol[q.symbol] = q; });
  const inputs = Array.prototype.slice.call(document.querySelectorAll("input[data-answer]"));
  const status = document.getElementById("answers-status");

  function close(yours, reference) {
    return Math.abs(yours - reference) <= key.atol + key.rtol * Math.abs(reference);
  }

  // A number as a person types it: "-0.042", "−0.042", "4.2e-2", "0,042"; null if empty.
  function read(text) {
    const t = text.trim().replace(/\u2212/g, "-").replace(",", ".");
    if (t === "") return null;
    const v = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t) ? Number(t) : NaN;
    return Number.isFinite(v) ? v : NaN;
  }

  function slipsFor(q, given) {
    if (q.as_delta && given[q.as_delta] === undefined) return bySymbol[q.as_delta].slips;
    return q.slips;
  }

  function diagnosis(q, mine, given) {
    const slips = slipsFor(q, given);
    const found = Object.keys(slips).filter(function (id) { return close(mine, slips[id][0]); });
    if (found.length === 1) return "wrong: " + found[0] + ". " + slips[found[0]][1];
    if (found.length > 1) {
      return "wrong: on this network " + found.length + " catalogued mistakes give this " +
        "number: " + found.map(function (id) { return id + ": " + slips[id][1]; }).join(" Or: ");
    }
    return "wrong, and no catalogued mistake gives it: work it out again by its equation.";
  }

  function verdict(symbol, kind, text) {
    const cell = document.querySelector('[data-verdict="' + CSS.escape(symbol) + '"]');
    cell.className = "verdict" + (kind ? " " + kind : "");
    cell.textContent = text;
  }

  function check() {
    const given = {};
    inputs.forEach(function (input) {
      const v = read(input.value);
      if (v !== null) given[input.dataset.answer] = v;
    });
    let firstWrong = null, right = 0, wrong = 0, answered = 0;
    key.quantities.forEach(function (q) {
      const mine = given[q.symbol];
      if (mine === undefined) { verdict(q.symbol, "", ""); return; }
      answered += 1;
      if (Number.isNaN(mine)) {
        wrong += 1;
        verdict(q.symbol, "wrong", "not a number: type one such as -0.0421 or 4.21e-2");
        return;
      }
      if (close(mine, q.truth)) { right += 1; verdict(q.symbol, "right", "right"); return; }
      wrong += 1;
      if (firstWrong !== null) {
        verdict(q.symbol, "wrong", "wrong, but " + firstWrong + " is wrong before it, and " +
                "this one may only carry that slip: put " + firstWrong + " right first.");
        return;
      }
      firstWrong = q.symbol;
      verdict(q.symbol, "wrong", diagnosis(q, mine, given));
    });
    status.textContent = answered ? answered + " answered: " + right + " right, " + wrong +
      " wrong." : "";
  }

  inputs.forEach(function (input) {
    input.addEventListener("input", check);
    input.addEventListener("change", check);
  });
  check();
}());
