// Render every formula of the page with KaTeX, served from this site.
// Material's document$ fires on the first load and after every instant navigation.
// The whole article is scanned: arithmatex wraps Markdown math in \( \) and \[ \],
// notebook pages keep Jupyter's $ and $$.
document$.subscribe(({ body }) => {
  renderMathInElement(body, {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "\\[", right: "\\]", display: true },
      { left: "\\(", right: "\\)", display: false },
      { left: "$", right: "$", display: false },
    ],
    // clipboard-copy-txt holds the raw source a notebook copy button copies: keep its $...$
    ignoredClasses: ["highlight", "highlight-ipynb", "jp-OutputArea-output", "clipboard-copy-txt"],
    throwOnError: false,
  });
});
