//! The report's plots, drawn to inline SVG with plotters' SVG backend (text as SVG
//! `<text>`, no fonts loaded, nothing fetched): lines with 95% bands and marked weeks,
//! horizontal bars, a forest plot of intervals, and points with error bars. Each returns
//! a [`Figure`]: the SVG and what a reader (or a test) needs to know about it.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Plot width in pixels (fits an A4 page printed in portrait).
pub const WIDTH: u32 = 760;

/// A drawn plot.
#[derive(Debug, Clone)]
pub struct Figure {
    /// Identifier (the HTML id of the figure).
    pub id: String,
    /// The `<svg>` element.
    pub svg: String,
    /// Data series drawn (lines, bar sets or interval sets).
    pub series: usize,
    /// X-axis label.
    pub x_label: String,
    /// Y-axis label.
    pub y_label: String,
    /// Legend entries (label, colour index, dashed), drawn beneath the plot.
    pub legend: Vec<(String, usize, bool)>,
}

/// Colours of series, in order (colour-blind safe, Okabe–Ito).
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(120, 120, 120),
    RGBColor(240, 228, 66),
];

/// The colour of series `i`.
pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// `#rrggbb` of a colour (for HTML legends).
pub fn hex(c: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

const FONT: &str = "sans-serif";

fn err(e: impl std::fmt::Display) -> String {
    format!("drawing a plot: {e}")
}

/// The largest magnitude an axis shows.
pub const AXIS_LIMIT: f64 = 1e15;

/// Lower and upper ends of an axis holding `values` (finite ones), padded, and
/// including 0 when `zero`.
/// Values beyond ±[`AXIS_LIMIT`] (no quantity spsim writes comes near; an edited file
/// might) are drawn at the axis's end: the plotting library never ends dividing an axis
/// that spans nearly the whole range of a float.
fn extent(values: impl Iterator<Item = f64>, zero: bool) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()).map(|v| v.clamp(-AXIS_LIMIT, AXIS_LIMIT)) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    // A span too small to divide into ticks (e.g. values of 1e-320 read from a file) is
    // drawn as a constant.
    let pad =
        if hi - lo > 1e-9 * hi.abs().max(lo.abs()).max(1e-6) { (hi - lo) * 0.05 } else { hi.abs().max(1.0) * 0.1 };
    (if zero && lo >= 0.0 { lo } else { lo - pad }, hi + pad)
}

/// Short number for axis labels.
pub fn tick(v: f64) -> String {
    let a = v.abs();
    if !v.is_finite() {
        "–".into()
    } else if a == 0.0 {
        "0".into()
    } else if !(1e-6..1e12).contains(&a) {
        format!("{v:.2e}")
    } else if a >= 1e6 {
        format!("{}M", tick(v / 1e6))
    } else if a >= 1e4 {
        format!("{}k", tick(v / 1e3))
    } else if a >= 1000.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}").trim_end_matches(".0").to_string()
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// One line with its 95% band.
#[derive(Debug, Clone)]
pub struct Line<'a> {
    /// Legend label.
    pub label: String,
    /// Colour index.
    pub colour: usize,
    /// Dashed (a second series of the same scenario).
    pub dashed: bool,
    /// Y per x = 1, 2, …
    pub mean: &'a [f64],
    /// Band's lower end.
    pub low: &'a [f64],
    /// Band's upper end.
    pub high: &'a [f64],
}

/// Runs of consecutive indices where every value is finite.
fn finite_runs(ok: impl Fn(usize) -> bool, n: usize) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let mut start = None;
    for i in 0..=n {
        match (i < n && ok(i), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                runs.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    runs
}

/// Time series: lines over reported weeks with shaded 95% bands, and a dashed vertical
/// line with its label at every marked week (scheduled changes).
pub fn lines(id: &str, title: &str, y_label: &str, lines: &[Line], marks: &[(f64, String)]) -> Result<Figure, String> {
    let weeks = lines.iter().map(|l| l.mean.len()).max().unwrap_or(0).max(2);
    let all = lines.iter().flat_map(|l| l.low.iter().chain(l.high).chain(l.mean)).copied();
    let (y0, y1) = extent(all, true);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 270)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 16))
            .margin(8)
            .x_label_area_size(36)
            .y_label_area_size(62)
            .build_cartesian_2d(1.0..weeks as f64, y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("reported week")
            .y_desc(y_label)
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .max_light_lines(0)
            .label_style((FONT, 11))
            .draw()
            .map_err(err)?;
        for l in lines {
            let c = colour(l.colour);
            let n = l.mean.len().min(l.low.len()).min(l.high.len());
            for run in finite_runs(|i| l.low[i].is_finite() && l.high[i].is_finite(), n) {
                let mut poly: Vec<(f64, f64)> = run.clone().map(|i| ((i + 1) as f64, l.high[i])).collect();
                poly.extend(run.rev().map(|i| ((i + 1) as f64, l.low[i])));
                chart.draw_series(std::iter::once(Polygon::new(poly, c.mix(0.18).filled()))).map_err(err)?;
            }
        }
        for l in lines {
            let c = colour(l.colour);
            let style = c.stroke_width(2);
            for run in finite_runs(|i| l.mean[i].is_finite(), l.mean.len()) {
                let pts: Vec<(f64, f64)> = run.map(|i| ((i + 1) as f64, l.mean[i])).collect();
                if l.dashed {
                    chart.draw_series(DashedLineSeries::new(pts, 6, 4, style)).map_err(err)?;
                } else {
                    chart.draw_series(LineSeries::new(pts, style)).map_err(err)?;
                }
            }
        }
        for (k, (week, label)) in marks.iter().enumerate() {
            let red = RGBColor(190, 30, 45);
            // Labels step down the plot so those of nearby changes do not overlap.
            let y_text = y1 - (y1 - y0) * 0.07 * (k % 4) as f64;
            chart
                .draw_series(DashedLineSeries::new(vec![(*week, y0), (*week, y1)], 4, 3, red.stroke_width(1)))
                .map_err(err)?;
            chart
                .draw_series(std::iter::once(Text::new(format!(" {label} "), (*week, y_text), {
                    // Written toward the middle of the plot, so it is not cut at an edge.
                    let h = if *week < weeks as f64 / 2.0 { HPos::Left } else { HPos::Right };
                    TextStyle::from((FONT, 11).into_font()).color(&red).pos(Pos::new(h, VPos::Top))
                })))
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(Figure {
        id: id.into(),
        svg,
        series: lines.len(),
        x_label: "reported week".into(),
        y_label: y_label.into(),
        legend: lines.iter().map(|l| (l.label.clone(), l.colour, l.dashed)).collect(),
    })
}

/// Rows from the top on a continuous axis: row i at y = n − 1 − i.
fn row_range(n: usize) -> std::ops::Range<f64> {
    -0.6..(n as f64 - 0.4)
}

fn row_y(n: usize, i: usize) -> f64 {
    (n - 1 - i) as f64
}

/// Row labels, right-aligned left of the plot at each row's exact height.
fn draw_row_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    chart: &ChartContext<
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    x0: f64,
    labels: &[String],
) -> Result<(), String> {
    let n = labels.len();
    let style = TextStyle::from((FONT, 12).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
    for (i, l) in labels.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(x0, row_y(n, i)));
        root.draw(&Text::new(l.clone(), (px - 6, py), style.clone())).map_err(err)?;
    }
    Ok(())
}

fn label_area(labels: &[String]) -> u32 {
    (labels.iter().map(|l| l.chars().count()).max().unwrap_or(4) as u32 * 6 + 16).clamp(60, 330)
}

/// Horizontal bars, one row per label from the top; `groups` sets of values drawn side
/// by side in each row (e.g. S1 and ST), each set a series, values written beside
/// single bars by `annotate(set, row, value)`.
pub fn bars(
    id: &str,
    title: &str,
    x_label: &str,
    labels: &[String],
    groups: &[(&str, Vec<f64>)],
    annotate: impl Fn(usize, usize, f64) -> String,
) -> Result<Figure, String> {
    let n = labels.len().max(1);
    let single = groups.len() == 1;
    let (x0, mut x1) = extent(groups.iter().flat_map(|g| g.1.iter().copied()), true);
    if single {
        x1 += (x1 - x0) * 0.25; // room for the values
    }
    let row = if single { 24 } else { 12 * groups.len() as u32 + 10 };
    let height = 80 + row * n as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 15))
            .margin(8)
            .x_label_area_size(36)
            .y_label_area_size(label_area(labels))
            .build_cartesian_2d(x0..x1, row_range(n))
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .max_light_lines(0)
            .x_desc(x_label)
            .x_label_formatter(&|v| tick(*v))
            .y_labels(0)
            .label_style((FONT, 12))
            .draw()
            .map_err(err)?;
        draw_row_labels(&root, &chart, x0, labels)?;
        let g = groups.len().max(1) as f64;
        let value_style = TextStyle::from((FONT, 11).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        for (k, (name, values)) in groups.iter().enumerate() {
            let c = colour(k);
            // Set k takes its share of the row's 0.8, from the top.
            let top = 0.4 - 0.8 * k as f64 / g;
            let bottom = 0.4 - 0.8 * (k + 1) as f64 / g;
            let rects = values.iter().enumerate().filter(|(_, v)| v.is_finite()).map(|(i, v)| {
                let y = row_y(n, i);
                Rectangle::new([(0.0, y + top), (*v, y + bottom)], c.mix(0.85).filled())
            });
            let drawn = chart.draw_series(rects).map_err(err)?;
            if single {
                let texts = values.iter().enumerate().filter(|(_, v)| v.is_finite()).map(|(i, v)| {
                    Text::new(annotate(k, i, *v), (v.max(0.0) + (x1 - x0) * 0.01, row_y(n, i)), value_style.clone())
                });
                chart.draw_series(texts).map_err(err)?;
            } else {
                drawn
                    .label(name.to_string())
                    .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], c.filled()));
            }
        }
        if !single {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(200, 200, 200))
                .label_font((FONT, 11))
                .draw()
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(Figure {
        id: id.into(),
        svg,
        series: groups.len(),
        x_label: x_label.into(),
        y_label: String::new(),
        legend: Vec::new(),
    })
}

/// One row of a forest plot.
#[derive(Debug, Clone)]
pub struct Interval {
    /// Row label.
    pub label: String,
    /// Point estimate.
    pub mean: f64,
    /// Interval's lower end.
    pub low: f64,
    /// Upper end.
    pub high: f64,
    /// Marked (its interval excludes 0): drawn filled and dark; otherwise hollow and grey.
    pub marked: bool,
}

/// Where a forest plot's axis stops: where one or two rows far beyond the rest would
/// squash them (largest end more than 4 × the 75th percentile of the ends), at that
/// multiple; otherwise nowhere.
fn off_scale(rows: &[Interval]) -> f64 {
    let mut ends: Vec<f64> =
        rows.iter().flat_map(|r| [r.mean, r.low, r.high]).filter(|v| v.is_finite()).map(f64::abs).collect();
    ends.sort_by(f64::total_cmp);
    let Some(&max) = ends.last() else { return f64::INFINITY };
    let q = ends[(ends.len() - 1) * 3 / 4];
    if q > 0.0 && max > 4.0 * q { 4.0 * q } else { f64::INFINITY }
}

/// Forest plots of `rows` with no point pinned at an edge: one plot, or, when one or two
/// rows lie far beyond the rest ([`off_scale`]), the rows within the usual scale and then
/// the larger ones on a scale of their own (id `<id>-large`).
pub fn forests(id: &str, title: &str, x_label: &str, rows: &[Interval]) -> Vec<Result<Figure, String>> {
    let cap = off_scale(rows);
    if !cap.is_finite() {
        return vec![forest(id, title, x_label, rows)];
    }
    let beyond = |r: &Interval| [r.mean, r.low, r.high].iter().any(|v| v.is_finite() && v.abs() > cap);
    let (large, usual): (Vec<Interval>, Vec<Interval>) = rows.iter().cloned().partition(beyond);
    vec![
        forest(id, title, x_label, &usual),
        forest(
            &format!("{id}-large"),
            &format!("{title}: the larger differences, on their own scale"),
            x_label,
            &large,
        ),
    ]
}

/// A forest plot: rows from the top, each a point with its interval, a line at 0.
pub fn forest(id: &str, title: &str, x_label: &str, rows: &[Interval]) -> Result<Figure, String> {
    let n = rows.len().max(1);
    let cap = off_scale(rows);
    let clip = |v: f64| if v.is_finite() { v.clamp(-cap, cap) } else { v };
    let clipped: Vec<Interval> = rows
        .iter()
        .map(|r| {
            let label = if r.mean.abs() > cap {
                format!("{} (off scale: {})", r.label, tick(r.mean))
            } else if r.low.abs() > cap || r.high.abs() > cap {
                format!("{} (interval off scale)", r.label)
            } else {
                r.label.clone()
            };
            Interval { label, mean: clip(r.mean), low: clip(r.low), high: clip(r.high), marked: r.marked }
        })
        .collect();
    let rows = &clipped[..];
    let (x0, x1) = extent(rows.iter().flat_map(|r| [r.low, r.high, r.mean]), true);
    let labels: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
    let height = 80 + 20 * n as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 15))
            .margin(8)
            .x_label_area_size(36)
            .y_label_area_size(label_area(&labels))
            .build_cartesian_2d(x0..x1, row_range(n))
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .max_light_lines(0)
            .x_desc(x_label)
            .x_label_formatter(&|v| tick(*v))
            .y_labels(0)
            .label_style((FONT, 12))
            .draw()
            .map_err(err)?;
        draw_row_labels(&root, &chart, x0, &labels)?;
        let grey = RGBColor(150, 150, 150);
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, -0.6), (0.0, n as f64 - 0.4)],
                grey.stroke_width(1),
            )))
            .map_err(err)?;
        let dark = colour(0);
        for (i, r) in rows.iter().enumerate() {
            let y = row_y(n, i);
            let c = if r.marked { dark } else { grey };
            if r.low.is_finite() && r.high.is_finite() {
                chart
                    .draw_series(std::iter::once(PathElement::new(vec![(r.low, y), (r.high, y)], c.stroke_width(2))))
                    .map_err(err)?;
            }
            if r.mean.is_finite() {
                let style = if r.marked { c.filled() } else { c.stroke_width(2) };
                chart.draw_series(std::iter::once(Circle::new((r.mean, y), 4, style))).map_err(err)?;
            }
        }
        root.present().map_err(err)?;
    }
    Ok(Figure { id: id.into(), svg, series: 1, x_label: x_label.into(), y_label: String::new(), legend: Vec::new() })
}

/// Points with vertical error bars joined by a line (a metric's mean per level of a
/// swept parameter).
pub fn points(
    id: &str,
    title: &str,
    x_label: &str,
    y_label: &str,
    pts: &[(f64, f64, f64, f64)],
) -> Result<Figure, String> {
    points_with(id, (title, x_label, y_label), pts, &tick)
}

/// [`points`] with the x axis's tick labels from `x_tick` (e.g. "none" for an interval
/// of 0 weeks).
pub fn points_with(
    id: &str,
    (title, x_label, y_label): (&str, &str, &str),
    pts: &[(f64, f64, f64, f64)],
    x_tick: &dyn Fn(f64) -> String,
) -> Result<Figure, String> {
    let (x0, x1) = extent(pts.iter().map(|p| p.0), false);
    let (y0, y1) = extent(pts.iter().flat_map(|p| [p.1, p.2, p.3]), false);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH / 2 - 4, 220)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 13))
            .margin(6)
            .x_label_area_size(34)
            .y_label_area_size(56)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .max_light_lines(0)
            .x_desc(x_label)
            .y_desc(y_label)
            .x_labels(5)
            .y_labels(5)
            .x_label_formatter(&|v| x_tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .label_style((FONT, 10))
            .axis_desc_style((FONT, 11))
            .draw()
            .map_err(err)?;
        let c = colour(0);
        let finite: Vec<(f64, f64)> = pts.iter().filter(|p| p.1.is_finite()).map(|p| (p.0, p.1)).collect();
        chart.draw_series(LineSeries::new(finite.clone(), c.stroke_width(1))).map_err(err)?;
        for p in pts.iter().filter(|p| p.2.is_finite() && p.3.is_finite()) {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(p.0, p.2), (p.0, p.3)],
                    c.mix(0.6).stroke_width(1),
                )))
                .map_err(err)?;
        }
        chart.draw_series(finite.into_iter().map(|p| Circle::new(p, 3, c.filled()))).map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(Figure { id: id.into(), svg, series: 1, x_label: x_label.into(), y_label: y_label.into(), legend: Vec::new() })
}

/// A heat map of a metric over two swept parameters' levels (categorical axes: a level
/// that means "none" is labelled so, not placed on a number line): each cell shaded from
/// the lowest value (light) to the highest (dark) and its value written in it; empty
/// cells (no point) are left white.
pub fn heatmap(
    id: &str,
    title: &str,
    (x_label, xs): (&str, &[String]),
    (y_label, ys): (&str, &[String]),
    cells: &[Vec<f64>],
) -> Result<Figure, String> {
    let (nx, ny) = (xs.len().max(1), ys.len().max(1));
    let finite: Vec<f64> = cells.iter().flatten().copied().filter(|v| v.is_finite()).collect();
    let (lo, hi) = finite.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
    let shade = |v: f64| -> RGBColor {
        let t = if hi > lo { ((v - lo) / (hi - lo)).clamp(0.0, 1.0) } else { 0.5 };
        let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
        RGBColor(mix(239.0, 8.0), mix(243.0, 48.0), mix(255.0, 107.0))
    };
    let height = 90 + 34 * ny as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH / 2 - 4, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 13))
            .margin(6)
            .x_label_area_size(40)
            .y_label_area_size(label_area(ys))
            .build_cartesian_2d(0.0..nx as f64, 0.0..ny as f64)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(0)
            .y_labels(0)
            .x_desc(x_label)
            .y_desc(y_label)
            .axis_desc_style((FONT, 11))
            .draw()
            .map_err(err)?;
        for (j, row) in cells.iter().enumerate() {
            for (i, v) in row.iter().enumerate() {
                let (x, y) = (i as f64, j as f64);
                if v.is_finite() {
                    chart
                        .draw_series(std::iter::once(Rectangle::new([(x, y), (x + 1.0, y + 1.0)], shade(*v).filled())))
                        .map_err(err)?;
                    let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
                    let ink = if t > 0.55 { WHITE } else { BLACK };
                    let style = TextStyle::from((FONT, 11)).color(&ink).pos(Pos::new(HPos::Center, VPos::Center));
                    chart.draw_series(std::iter::once(Text::new(tick(*v), (x + 0.5, y + 0.5), style))).map_err(err)?;
                }
            }
        }
        let label = TextStyle::from((FONT, 10)).color(&BLACK);
        for (i, l) in xs.iter().enumerate() {
            let style = label.clone().pos(Pos::new(HPos::Center, VPos::Top));
            let (px, py) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
            root.draw(&Text::new(l.clone(), (px, py + 4), style)).map_err(err)?;
        }
        for (j, l) in ys.iter().enumerate() {
            let style = label.clone().pos(Pos::new(HPos::Right, VPos::Center));
            let (px, py) = chart.backend_coord(&(0.0, j as f64 + 0.5));
            root.draw(&Text::new(l.clone(), (px - 4, py), style)).map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(Figure {
        id: id.into(),
        svg,
        series: finite.len(),
        x_label: x_label.into(),
        y_label: y_label.into(),
        legend: Vec::new(),
    })
}

/// A scatter of points in the unit square (a pair of calibrated parameters, each as its
/// position in its prior range): the points ruled out small and grey, the plausible ones
/// coloured on top.
pub fn scatter(
    id: &str,
    x_label: &str,
    y_label: &str,
    ruled_out: &[(f64, f64)],
    plausible: &[(f64, f64)],
) -> Result<Figure, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH / 3 - 4, 230)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(6)
            .x_label_area_size(30)
            .y_label_area_size(34)
            .build_cartesian_2d(0.0..1.0f64, 0.0..1.0f64)
            .map_err(err)?;
        chart
            .configure_mesh()
            .max_light_lines(0)
            .x_desc(x_label)
            .y_desc(y_label)
            .x_labels(3)
            .y_labels(3)
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .label_style((FONT, 9))
            .axis_desc_style((FONT, 9))
            .draw()
            .map_err(err)?;
        let grey = RGBColor(190, 190, 190);
        chart.draw_series(ruled_out.iter().map(|&p| Circle::new(p, 1, grey.filled()))).map_err(err)?;
        let c = colour(0);
        chart.draw_series(plausible.iter().map(|&p| Circle::new(p, 2, c.filled()))).map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(Figure {
        id: id.into(),
        svg,
        series: 2,
        x_label: x_label.into(),
        y_label: y_label.into(),
        legend: vec![("ruled out".into(), 6, false), ("plausible".into(), 0, false)],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extents_hold_the_data_and_zero_when_asked() {
        let (lo, hi) = extent([2.0, 5.0, f64::NAN].into_iter(), true);
        assert!(lo <= 0.0 && hi >= 5.0);
        let (lo, hi) = extent([2.0, 5.0].into_iter(), false);
        assert!(lo < 2.0 && lo > 0.0 && hi > 5.0);
        assert_eq!(extent(std::iter::empty(), false), (0.0, 1.0));
    }

    #[test]
    fn a_row_far_beyond_the_rest_is_drawn_off_scale() {
        let row = |m: f64| Interval { label: "x".into(), mean: m, low: m - 1.0, high: m + 1.0, marked: true };
        let rows: Vec<Interval> = [3.0, -4.0, 5.0, 2.0, 3000.0].into_iter().map(row).collect();
        let cap = off_scale(&rows);
        assert!(cap > 5.0 && cap < 3000.0, "{cap}");
        let f = forest("f", "t", "x", &rows).unwrap();
        assert!(f.svg.contains("off scale: 3000"), "the clipped row says its value");
        assert_eq!(off_scale(&rows[..4]), f64::INFINITY);
        // Split instead: the usual rows on their scale, the far one on its own; none pinned.
        let split = forests("f", "t", "x", &rows);
        assert_eq!(split.len(), 2);
        let (usual, large) = (split[0].as_ref().unwrap(), split[1].as_ref().unwrap());
        assert!(!usual.svg.contains("off scale") && !large.svg.contains("off scale"));
        assert_eq!(large.id, "f-large");
        assert_eq!(forests("f", "t", "x", &rows[..4]).len(), 1);
    }

    #[test]
    fn values_read_from_a_changed_file_draw_without_recursion_or_a_degenerate_axis() {
        // An infinite or enormous value once recursed in `tick` until the stack overflowed.
        assert_eq!(tick(f64::INFINITY), "–");
        assert_eq!(tick(f64::NAN), "–");
        assert_eq!(tick(1e300), "1.00e300");
        assert_eq!(tick(1e-320), "1.00e-320");
        // A span of 1e-320 is drawn as a constant, not divided into ticks.
        // Values near the largest float (an edited file) end the axis at its limit.
        let (lo, hi) = extent([0.0, 1e308].into_iter(), true);
        assert!(lo == 0.0 && hi > AXIS_LIMIT && hi < 2.0 * AXIS_LIMIT, "{lo} {hi}");
        let (lo, hi) = extent([0.0, 1e-320].into_iter(), false);
        assert!(hi - lo > 0.1, "{lo} {hi}");
        let rows: Vec<Interval> = [1e-320, 0.0, f64::INFINITY]
            .into_iter()
            .map(|m| Interval { label: "x".into(), mean: m, low: m, high: m, marked: true })
            .collect();
        assert!(forest("f", "t", "x", &rows).is_ok());
    }

    #[test]
    fn gaps_split_lines_and_bands() {
        let ok = [true, true, false, true];
        assert_eq!(finite_runs(|i| ok[i], 4), vec![0..2, 3..4]);
    }
}
