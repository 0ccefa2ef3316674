//! Time series of a run with 95% bands across replications: `weekly.csv` read back (or a
//! run's result in memory) summed over region archetypes, the reported series defined
//! once ([`SERIES`], each from the weekly columns, as per-link-worker means where the CSV
//! holds sums), and their per-week mean with the 95% t-interval of the mean across
//! replications ([`bands`]). The run report draws them from `weekly.csv`; `compare`
//! writes them for every scenario to its `series.csv` (`report::series_csv`), which the
//! compare report reads back ([`read_series_csv`]) and draws.

use crate::metrics::WeekCounts;
use crate::metrics::summary::stats_of;
#[cfg(test)]
use crate::metrics::summary::t_975;
use crate::run::RunResult;

/// Weekly counts per replication and reported week, summed over region archetypes.
#[derive(Debug, Clone, Default)]
pub struct Weekly {
    /// `reps[r][w]`: replication r (in file order), reported week w + 1.
    pub reps: Vec<Vec<WeekCounts>>,
}

impl Weekly {
    /// From a run's result (`archetypes` rows per week, as in [`RunResult`]).
    pub fn from_result(archetypes: usize, result: &RunResult) -> Weekly {
        let a = archetypes.max(1);
        let reps = result
            .replications
            .iter()
            .map(|rep| {
                rep.weekly
                    .chunks(a)
                    .map(|rows| {
                        let mut sum = WeekCounts::default();
                        for row in rows {
                            sum.add(row);
                        }
                        sum
                    })
                    .collect()
            })
            .collect();
        Weekly { reps }
    }

    /// From the bytes of `weekly.csv`. Columns are matched by name, so a file of an
    /// older engine with fewer columns reads back with those series missing (NaN).
    pub fn from_csv(bytes: &[u8]) -> Result<Weekly, String> {
        /// Largest reported week read back (a scenario reports at most 200 years); a larger
        /// value in a changed file would size the series.
        const MAX_WEEKS: f64 = 52_000.0;
        let mut reader = csv::Reader::from_reader(bytes);
        let header: Vec<String> = reader.headers().map_err(|e| e.to_string())?.iter().map(String::from).collect();
        let find = |name: &str| header.iter().position(|h| h == name);
        let (Some(rep_col), Some(week_col)) = (find("replication"), find("week")) else {
            return Err("no replication and week columns".into());
        };
        let map: Vec<Option<usize>> = WeekCounts::COLUMNS.iter().map(|c| find(c)).collect();
        let mut template = WeekCounts::default();
        for (v, m) in template.values_mut().into_iter().zip(&map) {
            if m.is_none() {
                *v = f64::NAN;
            }
        }
        let mut order: Vec<u64> = Vec::new();
        let mut reps: Vec<Vec<WeekCounts>> = Vec::new();
        let mut record = csv::StringRecord::new();
        let mut line = 1u64;
        let mut allocated = 0usize;
        while reader.read_record(&mut record).map_err(|e| e.to_string())? {
            line += 1;
            let num = |i: usize| -> Result<f64, String> {
                let cell = record.get(i).unwrap_or("");
                if cell.is_empty() {
                    Ok(f64::NAN)
                } else {
                    cell.parse().map_err(|_| format!("line {line}: {cell:?} is not a number"))
                }
            };
            let rep = num(rep_col)?;
            let week = num(week_col)?;
            if !(1.0..=MAX_WEEKS).contains(&week) || week.fract() != 0.0 {
                return Err(format!(
                    "line {line}: week {week} is not a reported week (a whole number from 1 to {MAX_WEEKS})"
                ));
            }
            if !(rep.is_finite() && rep >= 0.0 && rep.fract() == 0.0) {
                return Err(format!("line {line}: replication {rep} is not a replication number (0, 1, …)"));
            }
            let rep = rep as u64;
            let r = match order.iter().position(|x| *x == rep) {
                Some(r) => r,
                None => {
                    order.push(rep);
                    reps.push(Vec::new());
                    reps.len() - 1
                }
            };
            let w = week as usize - 1;
            let weeks = &mut reps[r];
            if weeks.len() <= w {
                // spsim writes every week of a replication in order, so the weeks held
                // never exceed the rows read; a file that skips ahead was changed, and must
                // not size the series.
                allocated += w + 1 - weeks.len();
                if allocated as u64 > line {
                    return Err(format!(
                        "line {line}: week {week} of replication {rep} skips weeks that are not in the file"
                    ));
                }
                weeks.resize(w + 1, template.clone());
                for new in weeks.iter_mut().skip(w) {
                    for v in new.values_mut() {
                        if !v.is_nan() {
                            *v = 0.0;
                        }
                    }
                }
            }
            let row = &mut weeks[w];
            for (v, m) in row.values_mut().into_iter().zip(&map) {
                if let Some(i) = m {
                    *v += num(*i)?;
                }
            }
        }
        Ok(Weekly { reps })
    }

    /// Reported weeks (the longest replication).
    pub fn weeks(&self) -> usize {
        self.reps.iter().map(Vec::len).max().unwrap_or(0)
    }
}

/// `a / b`, NaN when `b` is 0.
fn per(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { f64::NAN }
}

/// Weeks summed in rolling windows (waits, turnover): 13 weeks, a quarter.
pub const WINDOW: usize = 13;

fn window(h: &[WeekCounts], f: impl Fn(&WeekCounts) -> f64) -> f64 {
    h[h.len().saturating_sub(WINDOW)..].iter().map(f).sum()
}

/// One reported time series.
#[derive(Debug, Clone, Copy)]
pub struct SeriesDef {
    /// Identifier (in `series.csv`).
    pub id: &'static str,
    /// Legend label.
    pub label: &'static str,
    /// What it is, in one line (the glossary).
    pub meaning: &'static str,
    /// Its value in the last week of `history` (a replication's weeks up to it).
    pub value: fn(history: &[WeekCounts]) -> f64,
}

const fn s(id: &'static str, label: &'static str, meaning: &'static str, value: fn(&[WeekCounts]) -> f64) -> SeriesDef {
    SeriesDef { id, label, meaning, value }
}

fn last(h: &[WeekCounts]) -> &WeekCounts {
    h.last().expect("a history has at least its own week")
}

/// Every reported series, defined once.
pub const SERIES: &[SeriesDef] = &[
    s(
        "waiting_per_lw",
        "waiting per link worker",
        "Patients on the waiting list at the end of the week, per link worker in post.",
        |h| per(last(h).waiting, last(h).lw_in_post),
    ),
    s(
        "wait_weeks",
        "wait for a first session (weeks)",
        "Mean weeks waited by patients whose first session fell in the last 13 weeks.",
        |h| per(window(h, |c| c.wait_weeks_sum), window(h, |c| c.first_sessions)),
    ),
    s(
        "caseload_per_lw",
        "caseload per link worker",
        "Patients engaged, held or tapering at the end of the week, per link worker in post.",
        |h| {
            let c = last(h);
            per(c.engaged + c.held + c.tapering, c.lw_in_post)
        },
    ),
    s(
        "held_per_lw",
        "held per link worker",
        "Patients held (not yet ready to connect) at the end of the week, per link worker in post.",
        |h| per(last(h).held, last(h).lw_in_post),
    ),
    s("lw_in_post", "link workers in post", "Link worker posts filled.", |h| last(h).lw_in_post),
    s("lw_vacant", "posts vacant", "Link worker posts vacant, waiting for a recruit.", |h| last(h).lw_vacant),
    s(
        "burnout_mean",
        "mean burnout",
        "Mean burnout (0–1) of link workers in post (weekly.csv's lw_burnout ÷ lw_in_post).",
        |h| per(last(h).lw_burnout, last(h).lw_in_post),
    ),
    s(
        "intending_share",
        "share intending to leave",
        "Share of link workers in post who would say they intend to leave within a year \
         (weekly.csv's lw_intending ÷ lw_in_post).",
        |h| per(last(h).lw_intending, last(h).lw_in_post),
    ),
    s(
        "burnout_high_share",
        "share with high burnout",
        "Share of link workers in post with burnout above the high threshold.",
        |h| per(last(h).lw_burnout_high, last(h).lw_in_post),
    ),
    s(
        "turnover_annual",
        "turnover (leavers per LW-year)",
        "Link workers who left in the last 13 weeks, per link worker in post, per year.",
        |h| per(window(h, |c| c.leavers) * 52.0, window(h, |c| c.lw_in_post)),
    ),
    s(
        "first_sessions_year",
        "first sessions a year",
        "First sessions with a link worker in the last 13 weeks, as a yearly rate.",
        |h| window(h, |c| c.first_sessions) * 52.0 / WINDOW.min(h.len()) as f64,
    ),
    s(
        "connections_year",
        "connections a year",
        "Patients connected to a VCSE organisation in the last 13 weeks, as a yearly rate.",
        |h| window(h, |c| c.connected) * 52.0 / WINDOW.min(h.len()) as f64,
    ),
    s("vcse_open", "VCSE organisations open", "Open VCSE organisations.", |h| last(h).vcse_open),
    s("vcse_full", "VCSE organisations full", "Open VCSE organisations at full capacity.", |h| last(h).vcse_full),
];

/// Whether the series is a share or a 0–1 score (at most 1).
fn upper_one(id: &str) -> bool {
    matches!(id, "burnout_mean" | "burnout_high_share" | "intending_share")
}

/// The series with this id.
pub fn series(id: &str) -> Option<&'static SeriesDef> {
    SERIES.iter().find(|d| d.id == id)
}

/// One panel of time series plots: a title, a y-axis label and its series.
#[derive(Debug, Clone, Copy)]
pub struct Panel {
    /// Panel identifier (HTML id).
    pub id: &'static str,
    /// Title.
    pub title: &'static str,
    /// Y-axis label.
    pub y_label: &'static str,
    /// Series ids, drawn in this order.
    pub series: &'static [&'static str],
}

/// The time series panels of the reports.
pub const PANELS: &[Panel] = &[
    Panel { id: "ts-waiting", title: "Waiting list", y_label: "patients per LW", series: &["waiting_per_lw"] },
    Panel { id: "ts-waits", title: "Waits", y_label: "weeks", series: &["wait_weeks"] },
    Panel {
        id: "ts-reached",
        title: "Reached and connected",
        y_label: "patients a year",
        series: &["first_sessions_year", "connections_year"],
    },
    Panel {
        id: "ts-caseload",
        title: "Caseload and held patients",
        y_label: "patients per LW",
        series: &["caseload_per_lw", "held_per_lw"],
    },
    Panel { id: "ts-staff", title: "Link workers", y_label: "posts", series: &["lw_in_post", "lw_vacant"] },
    Panel {
        id: "ts-burnout",
        title: "Burnout and intention to leave",
        y_label: "mean or share",
        series: &["burnout_mean", "burnout_high_share", "intending_share"],
    },
    Panel { id: "ts-turnover", title: "Turnover", y_label: "leavers per LW-year", series: &["turnover_annual"] },
    Panel { id: "ts-vcse", title: "VCSE organisations", y_label: "organisations", series: &["vcse_open", "vcse_full"] },
];

/// A series' per-week mean across replications and the 95% t-interval of that mean
/// (NaN where fewer than 2 replications define it).
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// Series id.
    pub id: &'static str,
    /// Per reported week: mean.
    pub mean: Vec<f64>,
    /// Lower end of the 95% interval.
    pub low: Vec<f64>,
    /// Upper end.
    pub high: Vec<f64>,
    /// Replications defining it.
    pub n: Vec<u32>,
}

/// The bands of every series in [`SERIES`] (same order). Sums in a fixed order, so the
/// result does not depend on anything but the data.
pub fn bands(weekly: &Weekly) -> Vec<Band> {
    let weeks = weekly.weeks();
    let mut values = vec![0.0; weekly.reps.len()];
    SERIES
        .iter()
        .map(|d| {
            let mut b = Band {
                id: d.id,
                mean: Vec::with_capacity(weeks),
                low: Vec::with_capacity(weeks),
                high: Vec::with_capacity(weeks),
                n: Vec::with_capacity(weeks),
            };
            for w in 0..weeks {
                values.clear();
                values.extend(
                    weekly.reps.iter().filter(|r| r.len() > w).map(|r| (d.value)(&r[..=w])).filter(|v| v.is_finite()),
                );
                let st = stats_of(d.id, &values);
                // Every series is at least 0, and the shares at most 1: the band stays there.
                let top = if upper_one(d.id) { 1.0 } else { f64::INFINITY };
                b.mean.push(st.as_ref().map_or(f64::NAN, |s| s.mean));
                b.low.push(st.as_ref().map_or(f64::NAN, |s| s.ci_low.clamp(0.0, top)));
                b.high.push(st.as_ref().map_or(f64::NAN, |s| s.ci_high.clamp(0.0, top)));
                b.n.push(values.len() as u32);
            }
            b
        })
        .collect()
}

/// Read `series.csv` back: per scenario (in file order), its bands.
pub fn read_series_csv(bytes: &[u8]) -> Result<Vec<(String, Vec<Band>)>, String> {
    let t = super::parts::Table::parse("series.csv", bytes)?;
    let [sc, id, week, mean, low, high, n] =
        ["scenario", "series", "week", "mean", "ci_low", "ci_high", "n"].map(|c| t.col(c, "series.csv"));
    let (sc, id, week, mean, low, high, n) = (sc?, id?, week?, mean?, low?, high?, n?);
    let mut out: Vec<(String, Vec<Band>)> = Vec::new();
    let f = |row: &[String], i: usize| super::parts::number(row, i);
    for (i, row) in t.rows.iter().enumerate() {
        let line = i + 2;
        let cell = |c: usize| row.get(c).map(String::as_str).ok_or_else(|| format!("line {line}: too few columns"));
        let (name, series_id, w) = (cell(sc)?, cell(id)?, cell(week)?);
        let Some(def) = series(series_id) else { continue };
        let w: usize = w.parse().map_err(|_| format!("line {line}: week {w:?} is not a whole number"))?;
        // Each week of a series has its own row, so no week lies beyond the row count:
        // a larger one (an edited file) would size the series from the file's word.
        if w == 0 || w > t.rows.len() {
            return Err(format!("line {line}: week {w} is outside 1..{} (the file's rows)", t.rows.len()));
        }
        let pos = match out.iter().position(|(n, _)| n == name) {
            Some(p) => p,
            None => {
                out.push((name.to_string(), Vec::new()));
                out.len() - 1
            }
        };
        let bands = &mut out[pos].1;
        let b = match bands.iter().position(|b| b.id == def.id) {
            Some(p) => &mut bands[p],
            None => {
                bands.push(Band { id: def.id, mean: Vec::new(), low: Vec::new(), high: Vec::new(), n: Vec::new() });
                bands.last_mut().expect("just pushed")
            }
        };
        if b.mean.len() < w {
            b.mean.resize(w, f64::NAN);
            b.low.resize(w, f64::NAN);
            b.high.resize(w, f64::NAN);
            b.n.resize(w, 0);
        }
        b.mean[w - 1] = f(row, mean);
        b.low[w - 1] = f(row, low);
        b.high[w - 1] = f(row, high);
        b.n[w - 1] = row.get(n).and_then(|x| x.parse().ok()).unwrap_or(0);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn week(waiting: f64, lw: f64, leavers: f64) -> WeekCounts {
        WeekCounts { waiting, lw_in_post: lw, leavers, ..Default::default() }
    }

    #[test]
    fn bands_are_the_mean_and_t_interval_across_replications() {
        let weekly = Weekly { reps: vec![vec![week(4.0, 2.0, 0.0)], vec![week(8.0, 2.0, 0.0)]] };
        let b = &bands(&weekly)[0];
        assert_eq!(b.id, "waiting_per_lw");
        assert_eq!(b.mean, vec![3.0]);
        // values 2 and 4: sd √2, half-width t(1) × √2/√2 = 12.706…
        assert!((b.high[0] - 3.0 - t_975(1)).abs() < 1e-9);
        assert_eq!(b.n, vec![2]);
    }

    #[test]
    fn per_link_worker_series_skip_weeks_with_nobody_in_post() {
        let weekly = Weekly { reps: vec![vec![week(4.0, 0.0, 0.0)], vec![week(8.0, 2.0, 0.0)]] };
        let b = &bands(&weekly)[0];
        assert_eq!((b.mean[0], b.n[0]), (4.0, 1));
        assert!(b.low[0].is_nan());
    }

    #[test]
    fn turnover_is_annualised_over_a_rolling_quarter() {
        let mut rep = vec![week(0.0, 4.0, 0.0); WINDOW + 5];
        rep[WINDOW + 4].leavers = 1.0;
        let h = &rep[..];
        let t = (series("turnover_annual").unwrap().value)(h);
        assert!((t - 52.0 / (4.0 * WINDOW as f64)).abs() < 1e-12);
    }

    #[test]
    fn weekly_csv_reads_back_summed_over_archetypes_and_series_csv_round_trips() {
        let csv = "replication,week,region,waiting,lw_in_post\n0,1,a,3,1\n0,1,b,5,1\n0,2,a,1,1\n0,2,b,1,1\n";
        let w = Weekly::from_csv(csv.as_bytes()).unwrap();
        assert_eq!((w.reps.len(), w.weeks()), (1, 2));
        assert_eq!((w.reps[0][0].waiting, w.reps[0][0].lw_in_post), (8.0, 2.0));
        assert!(w.reps[0][0].leavers.is_nan(), "a column the file lacks is missing, not 0");
        let b = bands(&w);
        let back = read_series_csv(&crate::report::series_csv(&[("x", b.clone())])).unwrap();
        assert_eq!(back[0].0, "x");
        assert_eq!(back[0].1[0].mean, b[0].mean);
        assert!(Weekly::from_csv(b"replication,week\n0,0\n").is_err());
    }
}
