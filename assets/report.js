/* bench-ebpf HTML report: sortable tables, series highlighting and a copy of
 * the embedded JSON to save. Charts are already drawn (inline SVG); nothing
 * here is needed to read the page, and nothing is fetched. */
'use strict';
(function () {
  var errors = [];
  window.addEventListener('error', function (e) {
    errors.push(String(e.message));
    document.documentElement.setAttribute('data-js-errors', errors.join(' | '));
  });

  function cellValue(td) {
    var s = td.getAttribute('data-sort');
    if (s !== null) return parseFloat(s);
    var n = parseFloat(td.textContent.replace(/,/g, ''));
    return isNaN(n) ? td.textContent.toLowerCase() : n;
  }

  function sortBy(table, col, th) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var up = th.getAttribute('data-dir') !== '\u25b2';
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute('data-dir'); });
    th.setAttribute('data-dir', up ? '\u25b2' : '\u25bc');
    rows.sort(function (a, b) {
      var x = cellValue(a.cells[col]), y = cellValue(b.cells[col]);
      return (x < y ? -1 : x > y ? 1 : 0) * (up ? 1 : -1);
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }

  document.querySelectorAll('table.sortable').forEach(function (t) {
    Array.prototype.forEach.call(t.tHead.rows[0].cells, function (th, i) {
      th.title = 'sort by ' + th.textContent;
      th.addEventListener('click', function () { sortBy(t, i, th); });
    });
  });

  /* Hovering a line's name dims the other lines of that chart. */
  document.querySelectorAll('svg').forEach(function (svg) {
    var series = svg.querySelectorAll('g.series');
    svg.querySelectorAll('text.end-label').forEach(function (label) {
      label.addEventListener('mouseenter', function () {
        series.forEach(function (g) { if (g.getAttribute('data-name') !== label.textContent) g.classList.add('dim'); });
      });
      label.addEventListener('mouseleave', function () {
        series.forEach(function (g) { g.classList.remove('dim'); });
      });
    });
  });

  var data = document.getElementById('report-data');
  var header = document.querySelector('header');
  if (data && header && window.Blob && window.URL) {
    var bar = document.createElement('p');
    bar.className = 'toolbar';
    var link = document.createElement('a');
    link.textContent = 'Save the report JSON';
    link.download = 'bench-ebpf-report.json';
    link.href = URL.createObjectURL(new Blob([data.textContent], { type: 'application/json' }));
    bar.appendChild(link);
    header.appendChild(bar);
  }
  document.documentElement.setAttribute('data-ready', errors.length ? 'with-errors' : 'yes');
})();
