// MathJax 3 for the notebooks' Markdown: $...$ and $$...$$, inside the notebooks only
// (elsewhere a dollar sign is a dollar sign).
window.MathJax = {
  tex: {
    inlineMath: [["$", "$"], ["\\(", "\\)"]],
    displayMath: [["$$", "$$"], ["\\[", "\\]"]],
    processEscapes: true,
  },
  options: {
    ignoreHtmlClass: ".*",
    processHtmlClass: "jupyter-wrapper",
  },
};
