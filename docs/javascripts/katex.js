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
    ignoredClasses: ["highlight", "highlight-ipynb", "jp-OutputArea-output"],
    throwOnError: false,
  });
});
