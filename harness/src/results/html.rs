//! `index.html`: one self-contained page (no network at view time) with every cell in a grid that
//! filters by language, column and outcome (a click shows the cell's reason, phases, n and
//! interval), and the charts of [`super::charts`]: the kernels against native, start-up by way of
//! running, sizes, and compiling against loading from the cache.

use std::fmt::Write;

use serde::Serialize;

use super::charts::{Bar, Chart};
use super::figures;
use super::{Results, cell_text};
use crate::Outcome;
use crate::stats::Stats;

/// What the page's script knows of a cell: everything its detail panel shows.
#[derive(Serialize)]
struct Detail<'a> {
    column: String,
    row: String,
    outcome: Outcome,
    expected: Outcome,
    as_expected: bool,
    reason: &'a str,
    n: u32,
    exit_code: Option<i32>,
    phases_ms: [f64; 3],
    run: Option<&'a Stats>,
    wall: Option<&'a Stats>,
    compile: Option<&'a Stats>,
    warm: Option<&'a Stats>,
    cold_wall_ms: Option<f64>,
    peak_rss_kib: u64,
    module_bytes: u64,
    image_bytes: Option<u64>,
    compile_cache: String,
}

/// The charts of the page, in order.
pub fn charts(results: &Results) -> Vec<Chart> {
    vec![
        kernels_chart(results),
        startup_chart(results),
        sizes_chart(results),
        compile_chart(results),
        http_chart(results),
    ]
}

/// One language's handler served each way (`http::WAYS`): requests per second under the same load.
fn http_chart(results: &Results) -> Chart {
    let groups = super::http::ways(results)
        .into_iter()
        .map(|(language, row)| {
            let bars = row
                .into_iter()
                .map(|cell| {
                    cell.and_then(|c| c.http_load.as_ref()).map(|load| Bar {
                        value: load.rps,
                        whisker: None,
                    })
                })
                .collect();
            (language.to_owned(), bars)
        })
        .collect();
    Chart {
        id: "chart-http",
        title: "Serving HTTP: one language's handler served each way, requests per second under \
                the same bounded load (2 keep-alive connections)"
            .into(),
        axis: "requests per second (log scale)".into(),
        log: true,
        rule: None,
        series: super::http::WAYS.iter().map(|w| w.2.to_owned()).collect(),
        groups,
        format: |v| format!("{v:.0}/s"),
    }
}

fn bytes_text(v: f64) -> String {
    figures::format_bytes(v as u64)
}

fn kernels_chart(results: &Results) -> Chart {
    let (_, cols) = results.grid();
    let groups = cols
        .iter()
        .filter_map(|c| {
            let e = results.efficiency.get(c)?;
            let ratios: Vec<f64> = results
                .ratios
                .iter()
                .filter(|r| &r.runtime == c)
                .filter_map(|r| r.ratio)
                .collect();
            let lo = ratios.iter().copied().reduce(f64::min);
            let hi = ratios.iter().copied().reduce(f64::max);
            let bar = e.geomean.map(|g| Bar {
                value: g,
                whisker: lo.zip(hi).map(|(lo, hi)| [lo, hi]),
            });
            Some((format!("{c} ({} of {})", e.n, e.of), vec![bar]))
        })
        .collect();
    Chart {
        id: "chart-kernels",
        title: "Kernels: run phase against native (geometric mean, whisker: range over kernels)"
            .into(),
        axis: "wasm run phase / native run phase (log scale; 1× is native speed)".into(),
        log: true,
        rule: Some(1.0),
        series: vec!["geometric mean".into()],
        groups,
        format: super::format_ratio,
    }
}

fn startup_chart(results: &Results) -> Chart {
    let starts = figures::starts(results, figures::HELLO);
    let groups = starts
        .iter()
        .map(|s| {
            let bar = s.warm().map(|st| Bar {
                value: st.median,
                whisker: st.ci95,
            });
            (s.column.clone(), vec![bar])
        })
        .collect();
    Chart {
        id: "chart-startup",
        title: format!(
            "Start-up: {} start to exit, warm runs (whisker: 95% interval); embedded engines, \
             command-line tools, Wasm containers via containerd and via Docker, a runc container",
            figures::HELLO
        ),
        axis: "milliseconds (log scale)".into(),
        log: true,
        rule: None,
        series: vec!["median".into()],
        groups,
        format: super::format_ms,
    }
}

fn sizes_chart(results: &Results) -> Chart {
    let groups = figures::sizes(results)
        .into_iter()
        .filter(|s| s.hello_module.is_some() || s.native_binaries.is_some())
        .map(|s| {
            let bar = |v: Option<u64>| {
                v.map(|v| Bar {
                    value: v as f64,
                    whisker: None,
                })
            };
            let native = s
                .hello_native_binary
                .or(s.native_binaries.map(|[lo, _]| lo));
            (
                s.language,
                vec![
                    bar(s.hello_module),
                    bar(native),
                    bar(s.hello_wasm_image),
                    bar(s.hello_native_image),
                ],
            )
        })
        .collect();
    Chart {
        id: "chart-sizes",
        title: "Sizes: hello module, native binary (hello, else the smallest kernel), images"
            .into(),
        axis: "bytes (log scale)".into(),
        log: true,
        rule: None,
        series: vec![
            "hello module".into(),
            "native binary".into(),
            "hello Wasm image".into(),
            "hello native image".into(),
        ],
        groups,
        format: bytes_text,
    }
}

fn compile_chart(results: &Results) -> Chart {
    let groups = figures::compile_load(results)
        .into_iter()
        .map(|c| {
            (
                format!("{} ({} modules)", c.column, c.n),
                vec![
                    Some(Bar {
                        value: c.compile_ms,
                        whisker: None,
                    }),
                    Some(Bar {
                        value: c.load_ms,
                        whisker: None,
                    }),
                ],
            )
        })
        .collect();
    Chart {
        id: "chart-compile",
        title: "Compiling a module against loading it from the cache (medians over modules)".into(),
        axis: "milliseconds (log scale)".into(),
        log: true,
        rule: None,
        series: vec!["cold compile".into(), "load from the cache".into()],
        groups,
        format: super::format_ms,
    }
}

pub fn render(results: &Results) -> String {
    let meta = &results.meta;
    let (rows, cols) = results.grid();
    let mut details: Vec<Detail> = Vec::with_capacity(results.cells.len());
    let mut grid = String::new();
    let _ = write!(grid, "<table id=\"matrix\"><thead><tr><th>sample/case</th>");
    for col in &cols {
        let _ = write!(grid, "<th data-column=\"{0}\">{0}</th>", html(col));
    }
    grid.push_str("</tr></thead><tbody>\n");
    // Cells by (row, column), so that the grid is built in one pass over the cells.
    let mut index: std::collections::HashMap<(String, String), usize> = Default::default();
    for (i, c) in results.cells.iter().enumerate() {
        index.entry((c.row(), c.column())).or_insert(i);
    }
    for row in &rows {
        let language = row.split('/').next().unwrap_or("");
        let _ = write!(
            grid,
            "<tr data-language=\"{}\"><th>{}</th>",
            html(language),
            html(row)
        );
        for col in &cols {
            let Some(&i) = index.get(&(row.clone(), col.clone())) else {
                let _ = write!(grid, "<td data-column=\"{}\"></td>", html(col));
                continue;
            };
            let c = &results.cells[i];
            let d = details.len();
            details.push(Detail {
                column: c.column(),
                row: c.row(),
                outcome: c.outcome,
                expected: c.expected,
                as_expected: c.as_expected,
                reason: &c.reason,
                n: c.n,
                exit_code: c.exit_code,
                phases_ms: [
                    c.phases_ms.compile,
                    c.phases_ms.instantiate,
                    c.phases_ms.run,
                ],
                run: c.run_ms_stats.as_ref(),
                wall: c.wall_ms_stats.as_ref(),
                compile: c.compile_ms_stats.as_ref(),
                warm: c.warm_wall_ms_stats.as_ref(),
                cold_wall_ms: c.cold_wall_ms,
                peak_rss_kib: c.peak_rss_kib,
                module_bytes: c.module_bytes,
                image_bytes: c.image_bytes,
                compile_cache: c.compile_cache.to_string(),
            });
            let short = match c.outcome {
                Outcome::Pass => super::format_ms(c.phases_ms.run),
                o => o.to_string(),
            };
            let _ = write!(
                grid,
                "<td class=\"cell o-{} {}\" data-column=\"{}\" data-outcome=\"{}\" data-i=\"{d}\" \
                 title=\"{}\" tabindex=\"0\">{}</td>",
                c.outcome,
                if c.as_expected { "ok" } else { "odd" },
                html(col),
                c.outcome,
                html(&cell_text(c, 200)),
                html(&short),
            );
        }
        grid.push_str("</tr>\n");
    }
    grid.push_str("</tbody></table>");

    let mut languages: Vec<&str> = Vec::new();
    for c in &results.cells {
        if !languages.contains(&c.language.as_str()) {
            languages.push(&c.language);
        }
    }
    let outcomes: Vec<Outcome> = results.tally().0.into_keys().collect();
    let options = |items: &mut dyn Iterator<Item = String>| {
        items
            .map(|v| format!("<option value=\"{0}\">{0}</option>", html(&v)))
            .collect::<String>()
    };
    let (counts, unexpected) = results.tally();
    let tally: Vec<String> = counts.iter().map(|(o, n)| format!("{n} {o}")).collect();
    let charts: String = charts(results)
        .iter()
        .map(|chart| {
            format!(
                "<figure class=\"chart\"><figcaption>{}</figcaption>{}</figure>\n",
                html(&chart.title),
                chart.svg()
            )
        })
        .collect();
    let data = serde_json::to_string(&details)
        .unwrap_or_else(|_| "[]".into())
        // Inside <script>, `</` would end the element early.
        .replace("</", "<\\/");
    let hosts = if results.merged.is_empty() {
        format!(
            "{}, kernel {}",
            super::summary::host_line(&meta.host),
            meta.host.kernel
        )
    } else {
        results
            .merged
            .iter()
            .map(|m| m.label.clone())
            .collect::<Vec<_>>()
            .join("; ")
    };
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>wasm-polyglot: results of {date}</title>
<style>{STYLE}</style>
</head>
<body data-cells="{cells}">
<header>
<h1>wasm-polyglot results</h1>
<p>Run of {date} at commit <code>{commit}</code> on {hosts}; {repeat} run(s) per measured cell.
{total} cells: {tally}; {unexpected} not as expected.
Medians ± the half-width of their 95% interval (Student's t), with n.
The same run as <a href="README.md">the summary</a>, <a href="matrix.md">the details</a>,
<a href="claims.md">the claims</a> and <a href="matrix.json">the data</a>; the WebAssembly
proposals each column supports are in <a href="proposals.html">a table of their own</a>
(<code>cargo xtask proposals</code>).</p>
</header>
<section id="grid-section">
<h2>Every cell</h2>
<form id="filters">
<label>language <select id="f-language"><option value="">all</option>{language_options}</select></label>
<label>column <select id="f-column"><option value="">all</option>{column_options}</select></label>
<label>outcome <select id="f-outcome"><option value="">all</option>{outcome_options}</select></label>
<label><input type="checkbox" id="f-odd"> only cells not as expected</label>
<span id="shown"></span>
</form>
<div id="detail" hidden></div>
<div class="scroll">{grid}</div>
</section>
<section id="charts">
<h2>Charts</h2>
{charts}</section>
<script type="application/json" id="cell-data">{data}</script>
<script>{SCRIPT}</script>
</body>
</html>
"#,
        date = html(&meta.date),
        commit = html(&meta.git_commit),
        hosts = html(&hosts),
        repeat = meta.repeat,
        cells = results.cells.len(),
        total = results.cells.len(),
        tally = tally.join(", "),
        language_options = options(&mut languages.iter().map(|s| s.to_string())),
        column_options = options(&mut cols.iter().cloned()),
        outcome_options = options(&mut outcomes.iter().map(|o| o.to_string())),
    )
}

use crate::util::escape_html as html;

const STYLE: &str = r#"
body { font: 14px/1.4 system-ui, sans-serif; margin: 1em 2em; color: #222; }
h1 { font-size: 1.6em; margin: .2em 0; }
code { font-size: .9em; }
#filters { display: flex; gap: 1.2em; flex-wrap: wrap; align-items: center; margin: .5em 0; }
.scroll { overflow: auto; max-height: 70vh; border: 1px solid #ddd; }
#matrix { border-collapse: collapse; font-size: 12px; }
#matrix th, #matrix td { border: 1px solid #e4e4e4; padding: 2px 5px; white-space: nowrap; }
#matrix thead th { position: sticky; top: 0; background: #f6f6f6; writing-mode: vertical-rl; transform: rotate(180deg); }
#matrix tbody th { text-align: left; position: sticky; left: 0; background: #fafafa; font-weight: normal; }
td.cell { cursor: pointer; }
td.o-pass { background: #dff3e3; }
td.o-fail { background: #f9d6d5; }
td.o-trap, td.o-timeout { background: #fbe7c6; }
td.o-crash { background: #f2b8b5; }
td.o-unsupported { background: #e6e0f3; }
td.o-skipped { background: #eeeeee; color: #777; }
td.o-harness-fault { background: #eeeeee; color: #8a2be2; }
td.ok.o-trap, td.ok.o-timeout, td.ok.o-fail { background: #dff3e3; }
td.odd { font-weight: bold; }
td.off { visibility: hidden; }
tr.off, .col-off { display: none; }
td.selected { outline: 2px solid #333; }
#detail { border: 1px solid #bbb; background: #fffef4; padding: .6em 1em; margin: .5em 0; max-width: 70em; }
#detail pre { white-space: pre-wrap; max-height: 20em; overflow: auto; background: #f4f4f4; padding: .4em; }
figure.chart { margin: 1em 0; }
figure.chart figcaption { font-weight: bold; margin-bottom: .3em; }
"#;

const SCRIPT: &str = r#"
(function () {
  const data = JSON.parse(document.getElementById('cell-data').textContent);
  const table = document.getElementById('matrix');
  const f = { language: document.getElementById('f-language'), column: document.getElementById('f-column'),
              outcome: document.getElementById('f-outcome'), odd: document.getElementById('f-odd') };
  const ms = v => v >= 1000 ? (v / 1000).toFixed(2) + ' s' : v >= 10 ? v.toFixed(0) + ' ms' : v.toFixed(1) + ' ms';
  const stats = s => !s ? '—' : s.ci95
      ? ms(s.median) + ' ±' + ms((s.ci95[1] - s.ci95[0]) / 2) + ' (n=' + s.n + ', ' + ms(s.min) + '–' + ms(s.max) + ')'
      : ms(s.median) + ' (n=' + s.n + ')';
  const esc = t => String(t).replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
  function fromHash() {
    const p = new URLSearchParams(location.hash.slice(1));
    f.language.value = p.get('language') || ''; f.column.value = p.get('column') || '';
    f.outcome.value = p.get('outcome') || ''; f.odd.checked = p.get('odd') === '1';
  }
  function toHash() {
    const p = new URLSearchParams();
    if (f.language.value) p.set('language', f.language.value);
    if (f.column.value) p.set('column', f.column.value);
    if (f.outcome.value) p.set('outcome', f.outcome.value);
    if (f.odd.checked) p.set('odd', '1');
    history.replaceState(null, '', p.toString() ? '#' + p : location.pathname);
  }
  function apply() {
    const lang = f.language.value, col = f.column.value, out = f.outcome.value, odd = f.odd.checked;
    let shown = 0;
    table.querySelectorAll('[data-column]').forEach(el => el.classList.toggle('col-off', !!col && el.dataset.column !== col));
    table.querySelectorAll('tbody tr').forEach(tr => {
      let any = false;
      const rowOn = !lang || tr.dataset.language === lang;
      tr.querySelectorAll('td.cell').forEach(td => {
        const on = rowOn && (!col || td.dataset.column === col) && (!out || td.dataset.outcome === out)
          && (!odd || td.classList.contains('odd'));
        td.classList.toggle('off', !on);
        if (on) { any = true; shown++; }
      });
      tr.classList.toggle('off', !any);
    });
    document.getElementById('shown').textContent = shown + ' of ' + data.length + ' cells shown';
    document.body.dataset.visibleCells = shown;
  }
  function detail(td) {
    const d = data[+td.dataset.i];
    table.querySelectorAll('td.selected').forEach(x => x.classList.remove('selected'));
    td.classList.add('selected');
    const box = document.getElementById('detail');
    box.hidden = false;
    box.innerHTML = '<strong>' + esc(d.column) + ' · ' + esc(d.row) + '</strong>: ' + esc(d.outcome)
      + (d.as_expected ? ' (as expected)' : ' (expected ' + esc(d.expected) + ')')
      + (d.exit_code === null ? '' : ', exit code ' + d.exit_code)
      + '<br>n = ' + d.n + ' · run ' + stats(d.run) + ' · wall ' + stats(d.wall)
      + ' · compile ' + stats(d.compile) + ' (cache: ' + esc(d.compile_cache) + ')'
      + '<br>phases (medians): compile ' + ms(d.phases_ms[0]) + ', instantiate ' + ms(d.phases_ms[1]) + ', run ' + ms(d.phases_ms[2])
      + (d.cold_wall_ms === null ? '' : ' · cold start ' + ms(d.cold_wall_ms)) + (d.warm ? ' · warm ' + stats(d.warm) : '')
      + ' · peak memory ' + (d.peak_rss_kib / 1024).toFixed(1) + ' MiB · module ' + (d.module_bytes / 1024).toFixed(0) + ' KiB'
      + (d.image_bytes === null ? '' : ' · image ' + (d.image_bytes / 1024).toFixed(0) + ' KiB')
      + (d.reason ? '<pre>' + esc(d.reason) + '</pre>' : '');
    document.body.dataset.detail = d.column + ' ' + d.row;
  }
  table.addEventListener('click', e => { const td = e.target.closest('td.cell'); if (td) detail(td); });
  table.addEventListener('keydown', e => { if (e.key === 'Enter' && e.target.matches('td.cell')) detail(e.target); });
  Object.values(f).forEach(el => el.addEventListener('change', () => { toHash(); apply(); }));
  window.addEventListener('hashchange', () => { fromHash(); apply(); });
  fromHash();
  apply();
  // What the browser test reads: how many charts have a drawn, visible SVG with shapes in it.
  const drawn = [...document.querySelectorAll('figure.chart svg')].filter(svg => {
    const box = svg.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && svg.querySelectorAll('rect, path, polyline, line, text').length > 1;
  }).length;
  document.body.dataset.charts = document.querySelectorAll('figure.chart').length;
  document.body.dataset.chartsDrawn = drawn;
  if (new URLSearchParams(location.hash.slice(1)).get('open') !== null) {
    const td = table.querySelector('td.cell:not(.off)');
    if (td) detail(td);
  }
})();
"#;
