//! The report's charts, drawn as SVG text by plotters: horizontal bars per group (a column, a
//! language), one bar per series, each with its interval or range as a whisker where there is one.
//! Log scales draw the logarithm and label the axis in the values themselves.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One bar: its value and, where there is one, the interval drawn as a whisker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    pub value: f64,
    pub whisker: Option<[f64; 2]>,
}

/// A chart of groups of bars.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Its element id in the page, and what the page's test looks for.
    pub id: &'static str,
    pub title: String,
    /// What the value axis measures, with its unit.
    pub axis: String,
    pub log: bool,
    /// A vertical rule at this value (1× for ratios), if any.
    pub rule: Option<f64>,
    pub series: Vec<String>,
    /// Each group's label and one bar (or none) per series.
    pub groups: Vec<(String, Vec<Option<Bar>>)>,
    /// How a value is written at the end of its bar.
    pub format: fn(f64) -> String,
}

const COLORS: [RGBColor; 4] = [
    RGBColor(0x4c, 0x72, 0xb0),
    RGBColor(0xdd, 0x84, 0x52),
    RGBColor(0x55, 0xa8, 0x68),
    RGBColor(0x81, 0x72, 0xb3),
];

const WIDTH: u32 = 960;
const LEFT: u32 = 270;
const BAR: u32 = 14;

impl Chart {
    fn has_data(&self) -> bool {
        self.groups
            .iter()
            .any(|(_, bars)| bars.iter().flatten().any(|b| b.value > 0.0))
    }

    /// The chart as an `<svg>` element; a chart without data says so instead of drawing axes.
    pub fn svg(&self) -> String {
        let rows = self.groups.len().max(1) as u32;
        let per_group = BAR * self.series.len().max(1) as u32 + 10;
        let height = 60 + rows * per_group + if self.series.len() > 1 { 24 } else { 0 };
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
            let _ = root.fill(&WHITE);
            if self.has_data() {
                if let Err(err) = self.draw(&root) {
                    let _ = root.draw(&Text::new(
                        format!("the chart could not be drawn: {err}"),
                        (10, 30),
                        ("sans-serif", 14),
                    ));
                }
            } else {
                let _ = root.draw(&Text::new(
                    format!("{}: no figures in this run", self.title),
                    (10, 30),
                    ("sans-serif", 14),
                ));
            }
            let _ = root.present();
        }
        svg.replacen(
            "<svg ",
            &format!("<svg id=\"{}\" role=\"img\" ", self.id),
            1,
        )
    }

    fn scale(&self, v: f64) -> f64 {
        if self.log { v.max(1e-9).log10() } else { v }
    }

    fn draw(
        &self,
        root: &DrawingArea<SVGBackend, Shift>,
    ) -> Result<(), Box<dyn std::error::Error>> {
        let values: Vec<f64> = self
            .groups
            .iter()
            .flat_map(|(_, bars)| bars.iter().flatten())
            .flat_map(|b| {
                std::iter::once(b.value).chain(b.whisker.into_iter().flat_map(|w| w.into_iter()))
            })
            .filter(|v| *v > 0.0 || !self.log)
            .chain(self.rule)
            .collect();
        let max = values.iter().copied().fold(f64::MIN, f64::max);
        let min = values.iter().copied().fold(f64::MAX, f64::min);
        let (x0, x1) = if self.log {
            (
                self.scale(min).floor(),
                self.scale(max).ceil().max(self.scale(min).floor() + 1.0),
            )
        } else {
            (0.0, max * 1.15)
        };
        let n = self.groups.len() as f64;
        let legend = if self.series.len() > 1 { 24 } else { 0 };
        let log = self.log;
        let axis_format = move |x: &f64| {
            if log {
                super::figures::format_si(10f64.powf(*x))
            } else {
                super::figures::format_si(*x)
            }
        };
        // The title is the page's figcaption: drawn again here it would be said twice.
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .margin_left(LEFT)
            .margin_top(10 + legend)
            .x_label_area_size(34)
            .build_cartesian_2d(x0..x1, 0.0..n)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_desc(&self.axis)
            .x_labels(if log { (x1 - x0) as usize + 1 } else { 8 })
            .x_label_formatter(&axis_format)
            .draw()?;
        let series = self.series.len().max(1) as f64;
        for (g, (label, bars)) in self.groups.iter().enumerate() {
            // Group g occupies [n - g - 1, n - g): the first group at the top.
            let top = n - g as f64 - 0.1;
            let height = 0.8 / series;
            let (px, py) = chart.backend_coord(&(x0, n - g as f64 - 0.5));
            root.draw(&Text::new(
                label.clone(),
                (px - 8, py),
                ("sans-serif", 13)
                    .into_font()
                    .into_text_style(root)
                    .pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
            for (s, bar) in bars.iter().enumerate() {
                let Some(bar) = bar else { continue };
                if log && bar.value <= 0.0 {
                    continue;
                }
                let color = COLORS[s % COLORS.len()];
                let y1 = top - s as f64 * height;
                let y0 = y1 - height * 0.9;
                let end = self.scale(bar.value);
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x0, y0), (end, y1)],
                    color.filled(),
                )))?;
                let mid = (y0 + y1) / 2.0;
                let mut text_at = end;
                if let Some([lo, hi]) = bar.whisker {
                    let (lo, hi) = (self.scale(lo.max(1e-9)), self.scale(hi));
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(lo, mid), (hi, mid)],
                        BLACK.stroke_width(1),
                    )))?;
                    for x in [lo, hi] {
                        chart.draw_series(std::iter::once(PathElement::new(
                            vec![(x, y0), (x, y1)],
                            BLACK.stroke_width(1),
                        )))?;
                    }
                    text_at = text_at.max(hi);
                }
                let (tx, ty) = chart.backend_coord(&(text_at, mid));
                root.draw(&Text::new(
                    (self.format)(bar.value),
                    (tx + 4, ty),
                    ("sans-serif", 11)
                        .into_font()
                        .into_text_style(root)
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                ))?;
            }
        }
        if let Some(rule) = self.rule {
            let x = self.scale(rule);
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x, 0.0), (x, n)],
                RGBColor(0xc0, 0x39, 0x2b).stroke_width(1),
            )))?;
        }
        if self.series.len() > 1 {
            let mut x = LEFT as i32;
            for (s, name) in self.series.iter().enumerate() {
                let color = COLORS[s % COLORS.len()];
                root.draw(&Rectangle::new([(x, 6), (x + 12, 18)], color.filled()))?;
                root.draw(&Text::new(
                    name.clone(),
                    (x + 16, 12),
                    ("sans-serif", 12)
                        .into_font()
                        .into_text_style(root)
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                ))?;
                x += 24 + 7 * name.chars().count() as i32;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(log: bool) -> Chart {
        Chart {
            id: "test-chart",
            title: "Test".into(),
            axis: "ms".into(),
            log,
            rule: Some(1.0),
            series: vec!["cold".into(), "warm".into()],
            groups: vec![
                (
                    "wasmtime".into(),
                    vec![
                        Some(Bar {
                            value: 120.0,
                            whisker: Some([100.0, 140.0]),
                        }),
                        Some(Bar {
                            value: 2.0,
                            whisker: None,
                        }),
                    ],
                ),
                (
                    "wasmer".into(),
                    vec![
                        None,
                        Some(Bar {
                            value: 3.5,
                            whisker: None,
                        }),
                    ],
                ),
            ],
            format: super::super::figures::format_si,
        }
    }

    #[test]
    fn bars_whiskers_labels_and_legend_are_drawn() {
        for log in [false, true] {
            let svg = chart(log).svg();
            assert!(
                svg.starts_with("<svg id=\"test-chart\" role=\"img\" "),
                "{svg}"
            );
            // Three bars and the legend's two swatches, all filled rectangles.
            let filled = svg.matches("<rect").count();
            assert!(filled >= 5, "{filled} rectangles in {svg}");
            for text in ["wasmtime", "wasmer", "cold", "warm", "120", "3.5"] {
                assert!(svg.contains(text), "{text} missing (log {log})");
            }
        }
    }

    #[test]
    fn a_chart_without_figures_says_so() {
        let mut empty = chart(true);
        empty.groups.iter_mut().for_each(|(_, bars)| bars.clear());
        let svg = empty.svg();
        assert!(svg.contains("Test: no figures in this run"));
    }
}
