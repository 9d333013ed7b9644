/* Added to a copy of the report page by test_browser.py (never shipped):
 * measures the laid-out page and leaves the findings in data-layout on <html>
 * for --dump-dom to carry out. */
(function () {
  var out = { overlaps: [], offscreen: [], scrollWidth: document.documentElement.scrollWidth,
              svgs: document.querySelectorAll('figure.chart svg').length };
  function box(e) { var r = e.getBoundingClientRect(); return { l: r.left, r: r.right, t: r.top, b: r.bottom }; }
  function hit(a, b) { return a.l < b.r - 1 && b.l < a.r - 1 && a.t < b.b - 1 && b.t < a.b - 1; }
  document.querySelectorAll('figure.chart svg').forEach(function (svg, k) {
    var texts = Array.prototype.filter.call(svg.querySelectorAll('text'), function (t) {
      return t.textContent.trim() !== '' && !t.classList.contains('flag');
    });
    var boxes = texts.map(box);
    var frame = box(svg);
    for (var i = 0; i < boxes.length; i++) {
      var b = boxes[i];
      if (b.l < frame.l - 1 || b.r > frame.r + 1 || b.t < frame.t - 1 || b.b > frame.b + 1)
        out.offscreen.push(svg.getAttribute('class') + ': ' + texts[i].textContent);
      for (var j = i + 1; j < boxes.length; j++)
        if (hit(b, boxes[j]))
          out.overlaps.push(svg.getAttribute('class') + ': "' + texts[i].textContent + '" / "' + texts[j].textContent + '"');
    }
  });
  document.documentElement.setAttribute('data-layout', JSON.stringify(out));
})();
