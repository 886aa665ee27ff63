"""The report rendered: Markdown, self-contained HTML (CSS and scripts inline, figures
as data URIs, the front to walk of SPEC section 13) and a workbook. `outputs.report`
lays the blocks out; this module only renders them."""

from __future__ import annotations

import base64
import html
import json
from string import Template

import numpy as np

from optimizer import __version__
from optimizer.i18n import _, language
from optimizer.outputs.report import (
    Figures,
    FrontWalk,
    Heading,
    Image,
    Items,
    Para,
    Report,
    TableBlock,
)
from optimizer.outputs.text import num


def md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(report: Report) -> str:
    """report.md (CommonMark + GFM tables): figures referenced as the PNG files written
    next to it, each a link to itself so a viewer opens it full size."""
    out: list[str] = []
    for b in report.blocks:
        if isinstance(b, Heading):
            out.append(f"{'#' * b.level} {b.text}\n")
        elif isinstance(b, Para):
            out.append(f"> {b.text}\n" if b.kind == "note" else f"{b.text}\n")
        elif isinstance(b, Items):
            out.append("\n".join(f"- {i}" for i in b.items) + "\n")
        elif isinstance(b, Figures):
            out.append(
                "\n".join(
                    f"- **{label}**: {value}" + (f" ({detail})" if detail else "")
                    for label, value, detail in b.cards
                )
                + "\n"
            )
        elif isinstance(b, TableBlock):
            width = len(b.header)
            align = [*b.numeric[:width], *[False] * (width - len(b.numeric))]
            lines = [f"*{md_cell(b.caption)}*\n"] if b.caption else []
            lines.append("| " + " | ".join(md_cell(h) for h in b.header) + " |")
            lines.append("|" + "|".join("---:" if n else "---" for n in align) + "|")
            lines += ["| " + " | ".join(md_cell(c) for c in r) + " |" for r in b.rows]
            out.append("\n".join(lines) + "\n")
        elif isinstance(b, Image):
            out.append(f"[![{md_cell(b.alt)}]({b.name})]({b.name})\n")
        elif isinstance(b, FrontWalk):
            walk = _(
                "Open {file} to walk the front: a slider shows the exact allocation at any "
                "point between the breakpoints."
            ).format(file="report.html")
            out.append(f"> {walk}\n")
    return "\n".join(out)


def report_workbook(report: Report) -> bytes:
    """report.xlsx: every table of the report on its own sheet, numbers as numbers."""
    from optimizer.outputs.spreadsheet import tables_workbook

    tables, heading = [], ""
    for b in report.blocks:
        if isinstance(b, Heading):
            heading = b.text
        elif isinstance(b, TableBlock):
            tables.append((b.caption or heading, b.header, b.rows))
    return tables_workbook(tables)


CSS = """
:root { --ink:#1f2328; --muted:#59636e; --line:#d1d9e0; --soft:#f6f8fa; --accent:#1f6feb; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 15px/1.5 -apple-system, "Segoe UI", "Noto Sans", "DejaVu Sans", Helvetica, Arial,
    sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 32px 28px 64px; }
h1 { font-size: 28px; margin: 0 0 6px; letter-spacing: -0.01em; }
h2 { font-size: 20px; margin: 40px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
p { margin: 8px 0 12px; max-width: 80ch; }
p.lead { color: var(--muted); font-size: 16px; margin-bottom: 20px; }
p.note { background: #fff8c5; border-left: 4px solid #d4a72c; padding: 8px 12px; border-radius: 4px; }
ul.facts { margin: 8px 0 16px; padding-left: 20px; }
ul.facts li { margin: 3px 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; margin: 12px 0 20px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; background: var(--soft); }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .detail { color: var(--muted); font-size: 12px; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.table-block { margin: 6px 0 18px; }
.table-title { font-weight: 600; padding: 4px 0 6px; display: flex; flex-wrap: wrap; gap: 4px 12px;
  align-items: baseline; }
.scroll-cue { display: none; font-weight: 400; font-size: 12px; color: var(--accent); }
.overflowing .scroll-cue { display: inline; }
/* the scroller: shadows at an edge with more table behind it (visible without script too) */
.table-wrap { overflow-x: auto; -webkit-overflow-scrolling: touch;
  background: linear-gradient(to right, #fff 30%, rgba(255,255,255,0)) left / 40px 100% no-repeat local,
    linear-gradient(to left, #fff 30%, rgba(255,255,255,0)) right / 40px 100% no-repeat local,
    radial-gradient(farthest-side at 100% 50%, rgba(0,0,0,.22), rgba(0,0,0,0)) right / 12px 100% no-repeat scroll; }
table { border-collapse: separate; border-spacing: 0; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { background: var(--soft); font-weight: 600; vertical-align: bottom; }
tbody th { font-weight: 400; background: #fff; }
tbody tr:nth-child(even) td, tbody tr:nth-child(even) th { background: #fbfcfd; }
td.num { text-align: right; white-space: nowrap; }
th.num { text-align: right; }
/* the first column (the row's name) stays in view while the rest scrolls */
.table-wrap tr > :first-child { position: sticky; left: 0; z-index: 1; box-shadow: 1px 0 0 var(--line); }
td.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; word-break: break-all; }
.print-only { display: none; }
figure { margin: 12px 0 24px; }
figure a.zoom { display: block; cursor: zoom-in; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
#lightbox { display: none; position: fixed; inset: 0; z-index: 10; background: rgba(0,0,0,.8);
  overflow: auto; cursor: zoom-out; padding: 12px; }
#lightbox.open { display: block; }
#lightbox img { display: block; max-width: none; margin: 0 auto; background: #fff; }
.front-walk { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; margin: 12px 0 20px; }
.front-walk input[type=range] { width: 100%; }
.front-walk .ends { display: flex; justify-content: space-between; color: var(--muted); font-size: 12px; }
.front-walk .values { display: flex; flex-wrap: wrap; gap: 6px 24px; margin: 8px 0; font-variant-numeric: tabular-nums; }
.front-walk .values b { font-size: 18px; }
footer { color: var(--muted); font-size: 12px; margin-top: 40px; }

@media (max-width: 600px) {
  body { font-size: 14px; }
  main { padding: 16px 12px 40px; }
  h1 { font-size: 22px; }
  h2 { font-size: 18px; margin-top: 28px; }
  .cards { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .card .value { font-size: 18px; }
  table { font-size: 12px; }
  th, td { padding: 4px 7px; }
  /* a chart keeps readable labels: it scrolls sideways, and a tap opens it full size */
  figure .fig-scroll { overflow-x: auto; }
  figure img { max-width: none; width: 640px; }
}

@page { size: A4 portrait; margin: 14mm 12mm; }
@media print {
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  h1 { font-size: 18pt; }
  h2 { font-size: 13pt; margin: 14pt 0 6pt; }
  h1, h2, h3, .table-title { break-after: avoid; page-break-after: avoid; }
  p, ul { orphans: 3; widows: 3; }
  .cards { grid-template-columns: repeat(4, 1fr); gap: 6px; }
  .card { padding: 5px 8px; break-inside: avoid; }
  .card .value { font-size: 13pt; }
  .table-wrap { overflow: visible; background: none; }
  .table-wrap tr > :first-child { position: static; box-shadow: none; }
  table { font-size: 7.5pt; width: 100%; }
  th, td { padding: 2pt 4pt; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  .table-block { break-inside: auto; }
  .table-block.short { break-inside: avoid; }
  .scroll-cue, .front-walk input, #lightbox { display: none !important; }
  .screen-only { display: none; }
  .print-only { display: block; }
  figure { break-inside: avoid; page-break-inside: avoid; }
  figure img { max-width: 100%; max-height: 230mm; width: auto; border: none; }
  td.mono { font-size: 6.5pt; }
}
"""

# Show the scroll cue only on tables wider than their box; open a figure full size.
SCRIPT = """
(function () {
  function cues() {
    document.querySelectorAll('.table-block').forEach(function (b) {
      var w = b.querySelector('.table-wrap');
      b.classList.toggle('overflowing', w.scrollWidth > w.clientWidth + 1);
    });
  }
  window.addEventListener('resize', cues);
  cues();
  var box = document.getElementById('lightbox');
  document.querySelectorAll('figure a.zoom').forEach(function (a) {
    a.addEventListener('click', function (ev) {
      ev.preventDefault();
      box.innerHTML = '';
      var img = new Image();
      img.src = a.querySelector('img').src;
      img.alt = a.querySelector('img').alt;
      box.appendChild(img);
      box.classList.add('open');
    });
  });
  box.addEventListener('click', function () { box.classList.remove('open'); });
  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'Escape') box.classList.remove('open');
  });
})();
"""

# SPEC section 13: the exact front between breakpoints is the convex combination of
# the two adjacent breakpoints' allocations (and criteria values).
FRONT_SCRIPT = Template("""
(function () {
  var F = JSON.parse(document.getElementById('front-data').textContent);
  var slider = document.getElementById('front-slider');
  var body = document.querySelector('#front-allocation tbody');
  var n = F.values.length;
  var lo = F.values[0][0], hi = F.values[n - 1][0];
  function fmt(v, d) {
    $format
  }
  function cells(k) {  // breakpoint k's volumes as {"t,m": v}
    var out = {};
    F.volumes[k].forEach(function (c) { out[c[0] + ',' + c[1]] = c[2]; });
    return out;
  }
  function select(x) {
    x = Math.min(hi, Math.max(lo, Number(x)));
    if (!isFinite(x)) x = lo;
    var k = 0;
    while (k < n - 2 && F.values[k + 1][0] < x) k++;
    var a = F.values[k], b = F.values[Math.min(k + 1, n - 1)];
    var span = b[0] - a[0];
    var lam = span > 0 ? (x - a[0]) / span : 0;
    var va = cells(k), vb = n > 1 ? cells(Math.min(k + 1, n - 1)) : {};
    var keys = Object.keys(Object.assign({}, va, vb));
    var rows = [];
    keys.forEach(function (key) {
      var v = (1 - lam) * (va[key] || 0) + lam * (vb[key] || 0);
      if (v > 1e-9) {
        var tm = key.split(',').map(Number);
        rows.push([tm[0], tm[1], v]);
      }
    });
    rows.sort(function (p, q) {
      var s = $towns[p[0]].localeCompare($towns[q[0]]);
      return s !== 0 ? s : F.measures[p[1]].localeCompare(F.measures[q[1]]);
    });
    body.innerHTML = '';
    var total = 0;
    rows.forEach(function (r) {
      var tr = document.createElement('tr');
      tr.dataset.town = F.towns[r[0]];
      tr.dataset.measure = F.measures[r[1]];
      tr.dataset.volumeMln = String(r[2]);
      var cost = r[2] * F.cost[r[1]];
      total += cost;
      [[$towns[r[0]], 'th'], [F.labels[r[1]], 'td'], [fmt(r[2], 1), 'td num'],
       [fmt(cost, 1), 'td num']].forEach(function (c) {
        var parts = c[1].split(' ');
        var el = document.createElement(parts[0]);
        if (parts[0] === 'th') el.scope = 'row';
        if (parts[1]) el.className = parts[1];
        el.textContent = c[0];
        tr.appendChild(el);
      });
      body.appendChild(tr);
    });
    F.criteria.forEach(function (c, j) {
      var v = (1 - lam) * a[j] + lam * b[j];
      var el = document.getElementById('front-value-' + c);
      el.textContent = fmt(v, 1);
      el.dataset.value = String(v);
    });
    var rate = span > 0 ? -(b[1] - a[1]) / span : null;
    var r = document.getElementById('front-rate');
    r.textContent = rate === null ? $na : fmt(rate, 3);
    r.dataset.value = rate === null ? '' : String(rate);
    document.getElementById('front-cells').textContent = rows.length;
    document.getElementById('front-cost').textContent = fmt(total, 1);
    slider.value = x;
    slider.setAttribute('aria-valuetext', $criterion + ' ' + fmt(x, 1));
  }
  function fromHash() {
    var m = /(?:^#|&)front=([^&]*)/.exec(location.hash);
    if (m) { select(decodeURIComponent(m[1])); return true; }
    return false;
  }
  slider.addEventListener('input', function () {
    select(slider.value);
    history.replaceState(null, '', '#front=' + Number(slider.value));
  });
  window.addEventListener('hashchange', fromHash);
  if (!fromHash()) select(F.knee !== null ? F.knee : lo);
})();
""")


def front_script() -> str:
    """FRONT_SCRIPT in the language in use: English reads the ids (the names of the
    English report) and formats numbers as en-US; Russian and Kazakh show the display
    names the data blob carries and format numbers with Babel's separators, as the
    rest of the report does (a browser's own locale data may lack Kazakh's)."""
    if language() == "en":
        fields = {
            "towns": "F.towns",
            "criterion": "F.criteria[0]",
            "na": "'n/a'",
            "format": "return v.toLocaleString('en-US', "
            "{minimumFractionDigits: d, maximumFractionDigits: d});",
        }
        return FRONT_SCRIPT.substitute(fields)
    from babel.numbers import get_decimal_symbol, get_group_symbol

    group = json.dumps(get_group_symbol(language()))
    decimal = json.dumps(get_decimal_symbol(language()))
    fields = {
        "towns": "F.names",
        "criterion": "F.criterion_names[0]",
        "na": json.dumps(_("n/a"), ensure_ascii=False),
        "format": "var s = Math.abs(v).toFixed(d).split('.');\n"
        f"    var w = s[0].replace(/\\B(?=(\\d{{3}})+(?!\\d))/g, {group});\n"
        f"    return (v < 0 && Number(s.join('.')) > 0 ? '-' : '') + w + (d ? {decimal} + s[1] : '');",
    }
    return FRONT_SCRIPT.substitute(fields)


PRINT_COLUMNS = 8  # wider tables print as parts of this many columns (first column repeated)


def html_page(report: Report) -> str:
    """report.html: one file, CSS and script inline, figures as data URIs, no network."""
    e = html.escape
    body: list[str] = []
    heading = report.title
    has_front = False
    n_fig = 0
    zoom = e(_("open full size"))
    for b in report.blocks:
        if isinstance(b, Heading):
            heading = b.text
            body.append(f"<h{b.level}>{e(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            cls = f' class="{b.kind}"' if b.kind != "p" else ""
            body.append(f"<p{cls}>{e(b.text)}</p>")
        elif isinstance(b, Items):
            body.append(
                '<ul class="facts">' + "".join(f"<li>{e(i)}</li>" for i in b.items) + "</ul>"
            )
        elif isinstance(b, Figures):
            cards = "".join(
                f'<div class="card"><div class="label">{e(label)}</div><div class="value">{e(value)}'
                f'</div><div class="detail">{e(detail)}</div></div>'
                for label, value, detail in b.cards
            )
            body.append(f'<div class="cards">{cards}</div>')
        elif isinstance(b, TableBlock):
            body.append(html_table(b, fallback_caption=heading))
        elif isinstance(b, Image):
            n_fig += 1
            data = base64.b64encode(report.images[b.name]).decode("ascii")
            number = e(_("Figure {n}.").format(n=n_fig))
            body.append(
                f'<figure id="figure-{n_fig}"><div class="fig-scroll"><a class="zoom" '
                f'href="#figure-{n_fig}" title="{zoom}">'
                f'<img src="data:image/png;base64,{data}" alt="{e(b.alt)}"></a></div>'
                f"<figcaption>{number} {e(b.alt)}</figcaption></figure>"
            )
        elif isinstance(b, FrontWalk):
            has_front = True
            body.append(front_walk_html(b, report))
    written = _("Written by {tool} {version}.").format(tool="monotowns", version=__version__)
    footer = f"<footer>{e(written)}</footer>"
    scripts = f"<script>{SCRIPT}</script>\n"
    if has_front:
        scripts += f"<script>{front_script()}</script>\n"
    full_size = e(_("figure, full size"))
    return (
        f'<!DOCTYPE html>\n<html lang="{language()}">\n'
        '<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(report.title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + f'\n{footer}\n</main>\n<div id="lightbox" role="dialog" '
        f'aria-label="{full_size}"></div>\n{scripts}</body>\n</html>\n'
    )


def front_walk_html(w: FrontWalk, report: Report) -> str:
    """The slider, the criteria values, the trade-off rate and the allocation table."""
    e = html.escape
    names = dict(zip(w.criteria, w.criterion_names or w.criteria, strict=True))
    cx = names[w.criteria[0]]
    lo, hi = float(w.values[0, 0]), float(w.values[-1, 0])
    data = {
        "criteria": list(w.criteria),
        "values": w.values.tolist(),
        "volumes": [
            [[int(t), int(m), float(v[t, m])] for t, m in zip(*np.nonzero(v > 1e-12), strict=True)]
            for v in w.volumes
        ],
        "towns": list(w.towns),
        "measures": list(w.measures),
        "labels": list(w.labels),
        "cost": list(w.budget_cost),
        "knee": w.knee,
    }
    if language() != "en":  # the names the page shows; ids stay in data-town, data-measure
        data["names"] = list(w.names or w.towns)
        data["criterion_names"] = [names[c] for c in w.criteria]
    blob = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    values = "".join(
        f'<span>{e(names[c])}: <b id="front-value-{e(c)}">-</b></span>' for c in w.criteria
    )
    move = e(
        _(
            "Move the slider along {criterion} ({low} to {high}): between two breakpoints the "
            "exact efficient allocation is the mix of theirs. Link to a point with {link}."
        )
    ).format(
        criterion=e(cx),
        low=num(lo),
        high=num(hi),
        link=f"<code>#front=&lt;{e(w.criteria[0] if language() == 'en' else cx)}&gt;</code>",
    )
    cells = e(_("{n} cells, {amount} mln")).format(
        n='<b id="front-cells">-</b>', amount='<b id="front-cost">-</b>'
    )  # fmt: skip
    words = {  # the words of the section, escaped
        "section": _("walk the front"),
        "title": _("Walk the front"),
        "slider": _("{criterion} on the front").format(criterion=cx),
        "rate": _("trade-off:"),
        "table": _("Allocation at this point (volume and budget cost, mln)"),
        "cue": _("scroll sideways"),
        "caption": _("Allocation at the selected point of the front"),
        "town": _("town"),
        "measure": _("measure"),
        "volume": _("volume, mln"),
        "cost": _("budget cost, mln"),
    }
    words = {k: e(v) for k, v in words.items()}
    return (
        f'<section class="front-walk screen-only" aria-label="{words["section"]}">'
        f"<h3>{words['title']}</h3>"
        f"<p>{move}</p>"
        f'<label class="sr-only" for="front-slider">{words["slider"]}</label>'
        f'<input type="range" id="front-slider" min="{lo!r}" max="{hi!r}" step="any" '
        f'value="{lo!r}">'
        f'<div class="ends"><span>{num(lo)} {e(cx)}</span><span>{num(hi)} {e(cx)}</span></div>'
        f'<div class="values">{values}<span>{words["rate"]} <b id="front-rate">-</b> '
        f"{e(w.rate_unit)}</span><span>{cells}</span></div>"
        '<div class="table-block"><div class="table-title" aria-hidden="true">'
        f'{words["table"]}<span class="scroll-cue">{words["cue"]} &rarr;</span></div>'
        '<div class="table-wrap" tabindex="0"><table id="front-allocation">'
        f'<caption class="sr-only">{words["caption"]}</caption>'
        f'<thead><tr><th scope="col">{words["town"]}</th><th scope="col">{words["measure"]}</th>'
        f'<th scope="col" class="num">{words["volume"]}</th><th scope="col" class="num">'
        f"{words['cost']}</th></tr></thead><tbody></tbody></table></div></div>"
        f'<script type="application/json" id="front-data">{blob}</script>'
        "</section>"
    )


def html_table(b: TableBlock, fallback_caption: str = "") -> str:
    """An accessible table: a caption, `scope` on header cells, the first column as row
    headers. On screen it scrolls sideways with its first column fixed and a cue; in
    print a table wider than PRINT_COLUMNS is split into parts that repeat the first
    column, so no column is lost on A4."""
    screen = table_html(b, b.header, b.rows, list(range(len(b.header))), fallback_caption)
    if len(b.header) <= PRINT_COLUMNS:
        short = " short" if len(b.rows) <= 12 else ""
        return f'<div class="table-block{short}">{screen}</div>'
    rest = list(range(1, len(b.header)))
    per = PRINT_COLUMNS - 1
    groups = [rest[i : i + per] for i in range(0, len(rest), per)]
    parts = []
    for k, g in enumerate(groups, start=1):
        cols = [0, *g]
        part = _("(part {k} of {n})").format(k=k, n=len(groups))
        title = f"{b.caption or fallback_caption} {part}"
        parts.append(
            '<div class="table-block">'
            + table_html(b, b.header, b.rows, cols, title, caption=title)
            + "</div>"
        )
    return (
        f'<div class="table-block screen-only">{screen}</div>'
        f'<div class="print-only">{"".join(parts)}</div>'
    )


def table_html(
    b: TableBlock,
    header: tuple[str, ...],
    rows: tuple[tuple[str, ...], ...],
    cols: list[int],
    fallback_caption: str,
    caption: str | None = None,
) -> str:
    e = html.escape

    def cls(i: int, cell: str = "") -> str:
        if b.numeric[i]:
            return ' class="num"'
        if len(cell) == 64 and all(ch in "0123456789abcdef" for ch in cell):
            return ' class="mono"'
        return ""

    cap = caption or b.caption or fallback_caption
    cue = e(_("scroll sideways"))
    head = "".join(f'<th scope="col"{cls(i)}>{e(header[i])}</th>' for i in cols)
    body = "".join(
        "<tr>"
        + "".join(
            f'<th scope="row"{cls(i, r[i])}>{e(r[i])}</th>'
            if n == 0
            else f"<td{cls(i, r[i])}>{e(r[i])}</td>"
            for n, i in enumerate(cols)
        )
        + "</tr>"
        for r in rows
    )
    return (
        f'<div class="table-title" aria-hidden="true"><span>{e(cap)}</span>'
        f'<span class="scroll-cue">{cue} &rarr;</span></div>'
        f'<div class="table-wrap" tabindex="0"><table><caption class="sr-only">{e(cap)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )
