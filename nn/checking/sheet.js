// The exercise sheet's script: each answer typed is checked on the page, offline.
//
// The page carries its answer key (nn.checking.checker.answer_key, as JSON): every
// quantity's number, its equation, and what each catalogued mistake gives there when
// every earlier number is right. An answer is right within the check's tolerance
// (numpy's isclose, as `deltagrad exercise --check` reads it). The first wrong answer,
// in the lecture's order, is compared with what each mistake gives, and the mistakes it
// matches are named with their hints, as the checker names them; a wrong answer after
// it may only carry that slip, so the page says to put the first right before reading
// more into it. The page tells as much as its feedback level (nn.checking.feedback):
// score, quantity, equation, hint or solution, each adding to the one before.
(function () {
  "use strict";
  const key = JSON.parse(document.getElementById("answer-key").textContent);
  const bySymbol = {};
  key.quantities.forEach(function (q) { bySymbol[q.symbol] = q; });
  const inputs = Array.prototype.slice.call(document.querySelectorAll("input[data-answer]"));
  const status = document.getElementById("answers-status");

  function tells(level) { return key.level >= key.levels.indexOf(level); }

  function close(yours, reference) {
    return Math.abs(yours - reference) <= key.atol + key.rtol * Math.abs(reference);
  }

  // A number as a person types it: "-0.042", "−0.042", "4.2e-2", "0,042"; null if empty.
  function read(text) {
    const t = text.trim().replace(/\u2212/g, "-").replace(",", ".");
    if (t === "") return null;
    return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t) ? Number(t) : NaN;
  }

  // dC/db_j^l answered without delta_j^l is read as delta_j^l, as the checker reads it.
  function asChecked(q, given) {
    return q.as_delta && given[q.as_delta] === undefined ? bySymbol[q.as_delta] : q;
  }

  // What the page says of the first wrong answer, sentence by sentence as the feedback.
  function firstWrongSaid(q, mine, given) {
    const checked = asChecked(q, given);
    const said = ["wrong: the first wrong quantity."];
    if (tells("equation")) said.push("It is given by " + checked.equation + ".");
    if (tells("hint")) {
      const slips = checked.slips;
      const found = Object.keys(slips).filter(function (id) { return close(mine, slips[id][0]); });
      found.forEach(function (id) {
        said.push("The mistake: " + id + ", " + key.mistakes[id] + ". Hint: " + slips[id][1]);
      });
      if (!found.length) {
        said.push("No catalogued mistake gives your number: work the quantity again by its " +
                  "equation, from the numbers before it.");
      }
    }
    return said;
  }

  function verdict(symbol, kind, said) {
    const cell = document.querySelector('[data-verdict="' + CSS.escape(symbol) + '"]');
    cell.className = "verdict" + (kind ? " " + kind : "");
    cell.textContent = said.join(" ");
  }

  function check() {
    const given = {};
    inputs.forEach(function (input) {
      const v = read(input.value);
      if (v !== null) given[input.dataset.answer] = v;
    });
    let firstWrong = null, right = 0, answered = 0;
    key.quantities.forEach(function (q) {
      const mine = given[q.symbol];
      if (mine === undefined) { verdict(q.symbol, "", []); return; }
      answered += 1;
      if (Number.isNaN(mine)) {  // about the typing, not the answer: said at every level
        verdict(q.symbol, "wrong", ["not a number: type one such as -0.0421 or 4.21e-2."]);
        return;
      }
      if (close(mine, q.truth)) {
        right += 1;
        verdict(q.symbol, tells("quantity") ? "right" : "", tells("quantity") ? ["right"] : []);
        return;
      }
      if (!tells("quantity")) { verdict(q.symbol, "", []); return; }
      let said;
      if (firstWrong === null) {
        firstWrong = q.symbol;
        said = firstWrongSaid(q, mine, given);
      } else {
        said = ["wrong, but " + firstWrong + " is wrong before it, and this one may only " +
                "carry that slip: put " + firstWrong + " right first."];
      }
      if (tells("solution")) said.push("Autograd gives " + Number(q.truth.toPrecision(6)) + ".");
      verdict(q.symbol, "wrong", said);
    });
    status.textContent = answered ? "Score: " + right + " of " + answered +
      " quantities right." : "";
  }

  inputs.forEach(function (input) {
    input.addEventListener("input", check);
    input.addEventListener("change", check);
  });
  check();
}());
